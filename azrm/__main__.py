"""``python -m azrm``: azrm's command line.

::

    python -m azrm convert script.ps1 [-o script.py]   # a PowerShell script as an azrm Python script
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Run azrm's command line; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m azrm", description=__doc__.splitlines()[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True)
    convert = commands.add_parser(
        "convert",
        help="convert a PowerShell script that uses AzureRM/Az cmdlets into an azrm Python script",
        description="Convert a PowerShell script that uses AzureRM/Az cmdlets into an azrm Python script. "
        "What cannot be converted stays as '# TODO(azrm):' comments; the report goes to standard error.",
    )
    convert.add_argument("script", help="the .ps1 file ('-' for standard input)")
    convert.add_argument("-o", "--output", help="the .py file to write (default: standard output)")
    convert.add_argument("--strict", action="store_true", help="exit with 1 when some lines were not converted")
    args = parser.parse_args(argv)
    from azrm.powershell import translate

    if args.script == "-":
        text, name = sys.stdin.read(), "stdin.ps1"
    else:
        path = Path(args.script)
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raw = path.read_bytes()
            if raw[:2] not in (b"\xff\xfe", b"\xfe\xff"):
                print(f"{path}: not UTF-8 or UTF-16 text", file=sys.stderr)
                return 2
            text = raw.decode("utf-16")
        except OSError as error:
            print(f"{path}: {error.strerror}", file=sys.stderr)
            return 2
        name = path.name
    conversion = translate(text, name=name)
    if args.output:
        Path(args.output).write_text(conversion.python, encoding="utf-8")
    else:
        sys.stdout.write(conversion.python)
    print(conversion.report.summary(name), file=sys.stderr)
    return 1 if args.strict and conversion.report.untranslated else 0


if __name__ == "__main__":
    sys.exit(main())
