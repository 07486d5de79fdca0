"""A what-if result, readable: text like ``New-AzResourceGroupDeployment -WhatIf`` prints, or an HTML table.

:class:`WhatIfReport` wraps the SDK's ``WhatIfOperationResult`` (or its JSON). ``str(report)`` is the
text; in a notebook the report displays as a table (``_repr_html_``).
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

__all__ = ["SYMBOLS", "WhatIfReport"]

#: change type -> the symbol Az prints for it
SYMBOLS = {
    "Create": "+",
    "Delete": "-",
    "Modify": "~",
    "Deploy": "!",
    "NoChange": "=",
    "Ignore": "*",
    "Unsupported": "x",
    "Array": "~",
    "NoEffect": "x",
}
_ORDER = ["Delete", "Create", "Modify", "Deploy", "NoChange", "Ignore", "Unsupported"]
_WORDS = {
    "Create": "to create",
    "Delete": "to delete",
    "Modify": "to modify",
    "Deploy": "to deploy",
    "NoChange": "no change",
    "Ignore": "to ignore",
    "Unsupported": "unsupported",
}


def _plain(result: Any) -> dict[str, Any]:
    if isinstance(result, Mapping):
        return dict(result)
    as_dict = getattr(result, "as_dict", None)
    if callable(as_dict):
        return dict(as_dict())
    raise TypeError(f"expected a what-if result, got {type(result).__name__}")


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else json.dumps(value)


def _type_and_name(resource_id: str) -> tuple[str, str]:
    parts = resource_id.split("/providers/", 1)[-1].split("/")
    if len(parts) < 3:
        return "", resource_id
    types = [parts[0], *parts[1::2]]
    return "/".join(types[:2] + types[2:]), "/".join(parts[2::2])


class WhatIfReport:
    """What a deployment would change, grouped by resource."""

    def __init__(self, result: Any) -> None:
        data = _plain(result)
        self.status: str = str(data.get("status", ""))
        self.error: Mapping[str, Any] | None = data.get("error")
        props = data.get("properties") or {}
        self.changes: list[dict[str, Any]] = list(props.get("changes") or data.get("changes") or [])
        self.changes.sort(key=lambda c: (_ORDER.index(c.get("changeType", "")) if c.get("changeType") in _ORDER else 9,
                                         c.get("resourceId", "").lower()))  # fmt: skip

    def counts(self) -> dict[str, int]:
        """Return how many resources get each change type."""
        return dict(Counter(str(c.get("changeType")) for c in self.changes))

    def __len__(self) -> int:
        return len(self.changes)

    # -- text -------------------------------------------------------------------------------------------
    def lines(self) -> Iterator[str]:
        """Yield the report's text, line by line."""
        yield "Resource and property changes are indicated with these symbols:"
        used = {str(c.get("changeType")) for c in self.changes} | {
            str(d.get("propertyChangeType")) for c in self.changes for d in c.get("delta") or []
        }
        for kind in _ORDER:
            if kind in used:
                yield f"  {SYMBOLS[kind]} {kind}"
        yield ""
        if self.error:
            yield f"The what-if failed: ({self.error.get('code')}) {self.error.get('message')}"
            return
        for change in self.changes:
            kind = str(change.get("changeType"))
            rtype, name = _type_and_name(str(change.get("resourceId", "")))
            api = (change.get("after") or change.get("before") or {}).get("apiVersion")
            suffix = f" [{api}]" if api else ""
            yield f"  {SYMBOLS.get(kind, '?')} {rtype}/{name}{suffix}"
            if change.get("unsupportedReason"):
                yield f"      {change['unsupportedReason']}"
            yield from self._delta_lines(change.get("delta") or [], 6)
        yield ""
        counts = self.counts()
        summary = ", ".join(f"{counts[k]} {_WORDS[k]}" for k in _ORDER if k in counts)
        yield f"Resource changes: {summary or 'none'}."

    def _delta_lines(self, deltas: Sequence[Mapping[str, Any]], indent: int) -> Iterator[str]:
        pad = " " * indent
        for delta in deltas:
            kind = str(delta.get("propertyChangeType"))
            path = delta.get("path", "")
            symbol = SYMBOLS.get(kind, "?")
            if kind == "Array" or (kind == "Modify" and delta.get("children")):
                yield f"{pad}{symbol} {path}: ["
                yield from self._delta_lines(delta.get("children") or [], indent + 2)
                yield f"{pad}  ]"
            elif kind == "Modify":
                yield f"{pad}{symbol} {path}: {_value(delta.get('before'))} => {_value(delta.get('after'))}"
            elif kind == "Delete":
                yield f"{pad}{symbol} {path}: {_value(delta.get('before'))}"
            else:
                yield f"{pad}{symbol} {path}: {_value(delta.get('after'))}"

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def __repr__(self) -> str:
        return f"WhatIfReport({self.counts()})"

    # -- notebooks -----------------------------------------------------------------------------------
    def _repr_html_(self) -> str:
        if self.error:
            return f"<p><b>What-if failed</b>: ({html.escape(str(self.error.get('code')))}) " \
                   f"{html.escape(str(self.error.get('message')))}</p>"  # fmt: skip
        rows = []
        for change in self.changes:
            kind = str(change.get("changeType"))
            rtype, name = _type_and_name(str(change.get("resourceId", "")))
            details = "<br>".join(html.escape(line.strip()) for line in self._delta_lines(change.get("delta") or [], 0))
            rows.append(
                f"<tr><td>{SYMBOLS.get(kind, '?')} {html.escape(kind)}</td><td>{html.escape(rtype)}</td>"
                f"<td>{html.escape(name)}</td><td style='text-align:left'>{details}</td></tr>"
            )
        counts = self.counts()
        summary = ", ".join(f"{counts[k]} {_WORDS[k]}" for k in _ORDER if k in counts)
        return (
            "<table><thead><tr><th>Change</th><th>Type</th><th>Name</th><th>Property changes</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table><p>Resource changes: {html.escape(summary or 'none')}.</p>"
        )
