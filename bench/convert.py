"""How much of real PowerShell converts, and how fast: the converter on tests/convert/scripts.

    python bench/convert.py           # about 5 s
    python bench/convert.py --runs 20 # steadier timings

For each script: its lines of code (not blank, not only a comment), how many converted, the
statements left as TODO(azrm) and why, and the time a conversion takes. The totals give the share of
lines converted and the conversion rate in lines per second; the parse alone (tree-sitter) is timed
too, to show what the converter adds to it. Read the ratios: the machines are noisy.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from azrm.powershell import translate
from azrm.powershell.normalize import normalize
from azrm.powershell.translate import parse

SCRIPTS = Path(__file__).resolve().parents[1] / "tests" / "convert" / "scripts"


def timed(call: object, runs: int) -> float:
    """Median seconds of ``call()`` over ``runs`` runs."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()  # type: ignore[operator]
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="conversions of each script to time (median)")
    args = parser.parse_args()
    translate("Write-Host warm-up\n")  # the table and the parser, loaded once
    total_code = total_converted = 0
    total_time = total_parse = 0.0
    print(f"{'script':40} {'lines':>5} {'converted':>9} {'TODO':>4} {'ms':>7}  not converted")
    for script in sorted(SCRIPTS.glob("*.ps1")):
        text = script.read_bytes().decode("utf-8")
        conversion = translate(text, name=script.name)
        report = conversion.report
        seconds = timed(lambda t=text, n=script.name: translate(t, name=n), args.runs)
        parse_seconds = timed(lambda t=text: parse(normalize(t)[0]), args.runs)
        total_code += report.code_lines
        total_converted += report.converted_lines
        total_time += seconds
        total_parse += parse_seconds
        reasons = "; ".join(u.reason[:60] for u in report.untranslated)
        print(
            f"{script.name:40} {report.code_lines:5} {report.converted_lines:9} {report.todo_lines:4} "
            f"{seconds * 1000:7.1f}  {reasons}"
        )
    print(
        f"\n{total_converted} of {total_code} lines of code converted ({100 * total_converted / total_code:.1f}%); "
        f"{total_code / total_time:,.0f} lines/s ({total_time * 1000:.0f} ms for all); "
        f"the parse is {100 * total_parse / total_time:.0f}% of a conversion"
    )


if __name__ == "__main__":
    main()
