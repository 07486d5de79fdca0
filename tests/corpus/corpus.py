"""The conformance corpus: real third-party templates and how each must end (``../shared/corpus``).

The templates stay where they are (they are not the project's); this module reads the manifest,
fills in parameters as its README says, serves an entry's folder over loopback HTTP the way a user
would (``python -m http.server``), and writes the summary table.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import secrets
import string
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
#: where the corpus lives: ``AZRM_CORPUS`` or ``../shared/corpus`` beside the checkout
CORPUS = Path(os.environ.get("AZRM_CORPUS") or ROOT.parent / "shared" / "corpus")
#: the codes ARM answers a template with a type it cannot deploy, at validation
UNSUPPORTED_CODES = {"NoRegisteredProviderFound", "InvalidResourceType", "InvalidResourceNamespace"}
_UNIQUE = re.compile(r"\{unique(?::(\d+))?\}")


def available() -> bool:
    """Return whether the corpus is beside this checkout."""
    return (CORPUS / "manifest.json").is_file()


@dataclass(frozen=True)
class Entry:
    """One manifest entry."""

    raw: dict[str, Any] = field(repr=False)

    @property
    def name(self) -> str:
        return str(self.raw["name"])

    @property
    def category(self) -> str:
        return str(self.raw["category"])

    @property
    def expect(self) -> str:
        return str(self.raw["expect"])

    @property
    def artifacts(self) -> str:
        return str(self.raw["artifacts"])

    @property
    def folder(self) -> Path:
        return CORPUS / "templates" / self.name

    @property
    def main(self) -> Path:
        return self.folder / str(self.raw["main"])

    @property
    def parameters_file(self) -> Path | None:
        name = self.raw.get("parameters_file")
        return self.folder / name if name else None

    @property
    def types_not_modelled(self) -> list[str]:
        return list(self.raw.get("types_not_modelled_today") or [])

    def template(self) -> dict[str, Any]:
        """Return the main template, read as the Azure CLI reads a local file (comments allowed)."""
        from azrm.templates.engine import load_json

        return dict(load_json(self.main.read_text(encoding="utf-8-sig")))

    def file_parameters(self) -> dict[str, Any]:
        """Return ``{name: value}`` of the entry's parameters file (empty without one)."""
        values: dict[str, Any] = {}
        if self.parameters_file is not None:
            data = json.loads(self.parameters_file.read_text(encoding="utf-8-sig"))
            for name, spec in (data.get("parameters") or {}).items():
                values[name] = spec.get("value") if isinstance(spec, dict) else spec
        return values

    def overrides(self) -> dict[str, Any]:
        """Return the manifest's values, ``{unique}`` drawn afresh (one draw for the whole deployment)."""
        draw = _alnum(8)
        return {name: _fill(value, draw) for name, value in (self.raw.get("parameters") or {}).items()}

    def parameters(self) -> dict[str, Any]:
        """Return ``{name: value}``: the parameters file, then the manifest's values on top (names case-insensitive)."""
        values = self.file_parameters()
        for name, value in self.overrides().items():
            same = next((k for k in values if k.lower() == name.lower()), name)
            values[same] = value
        leftover = [k for k, v in values.items() if "GEN-" in json.dumps(v)]
        if leftover:
            raise AssertionError(f"{self.name}: parameters still hold GEN- placeholders: {leftover}")
        return values


def _alnum(n: int) -> str:
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(n))


def _fill(value: Any, draw: str) -> Any:
    if isinstance(value, str):
        return _UNIQUE.sub(lambda m: draw if m.group(1) is None else (draw * 4)[: int(m.group(1))], value)
    if isinstance(value, list):
        return [_fill(v, draw) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, draw) for k, v in value.items()}
    return value


def entries() -> list[Entry]:
    """Return the manifest's entries (none when the corpus is absent)."""
    if not available():
        return []
    return [Entry(e) for e in json.loads((CORPUS / "manifest.json").read_text())]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    """Serve the folder; a missing file an extension would download gets a stand-in.

    The corpus holds templates only: the scripts and archives the templates' VM extensions download
    were not copied (the manifest's notes name them). Its expectations assume every file a template
    names is reachable, as when it was published, so the server answers those with a small stand-in
    (the local Azure still downloads it, as the VM would). A missing JSON file stays a 404: templates
    are all in the corpus, and a missing one is a real failure.
    """

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_head(self) -> Any:
        path = Path(self.translate_path(self.path))
        if not path.exists() and not path.name.lower().endswith(".json") and path.suffix:
            body = f"# stand-in for {path.name}: not in the corpus (extension files are code, not templates)\n"
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            import io

            return io.BytesIO(data)
        return super().send_head()


class FolderServer:
    """A plain web server on 127.0.0.1 serving the corpus's templates folder (a user's ``http.server``)."""

    def __init__(self, root: Path) -> None:
        handler = functools.partial(_Quiet, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> FolderServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@dataclass
class Row:
    """One line of the table."""

    entry: str
    way: str
    category: str
    expect: str
    outcome: str
    seconds: float
    ok: bool
    cause: str = ""

    def to_json(self) -> str:
        return json.dumps(self.__dict__)


def root_cause(error: dict[str, Any] | None) -> str:
    """Return the deepest ``code: message`` of an ARM error object."""
    if not error:
        return ""
    details = error.get("details") or []
    if details:
        return root_cause(details[0])
    return f"{error.get('code')}: {error.get('message')}"


def table(rows: list[Row]) -> Iterator[str]:
    """Yield the summary table's lines, then the summary line."""
    rows = sorted(rows, key=lambda r: (r.category, r.entry, r.way))
    width = max([len(r.entry) for r in rows] + [8])
    yield f"{'template':<{width}}  {'way':<7}  {'expect':<11}  {'outcome':<26}  {'s':>5}  root cause on failure"
    for r in rows:
        mark = "" if r.ok else "  <-- " + r.cause[:200]
        yield f"{r.entry:<{width}}  {r.way:<7}  {r.expect:<11}  {r.outcome:<26}  {r.seconds:5.1f}{mark}"
    yield summary(rows)


def summary(rows: list[Row]) -> str:
    """Return the one summary line (what docs/local-azure.md quotes)."""
    ok = sum(r.ok for r in rows)
    entries_all = {r.entry for r in rows}
    entries_ok = {e for e in entries_all if all(r.ok for r in rows if r.entry == e)}
    pct = 100.0 * len(entries_ok) / len(entries_all) if entries_all else 0.0
    containers = [r for r in rows if r.category == "containers"]
    return (
        f"corpus: {len(entries_ok)}/{len(entries_all)} entries as expected both ways ({pct:.1f}%); "
        f"{ok}/{len(rows)} deployments; of them containers: {sum(r.ok for r in containers)}/{len(containers)}"
    )
