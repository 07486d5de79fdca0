"""Progress of long operations: to ``logging`` by default, a live line in terminals and notebooks.

Operations report *steps* ("Creating virtual machine KNVM01"): a start, updates while Azure works
(the long-running operation's status and the time spent), and a finish. A reporter turns them into
output. :func:`default_reporter` picks one for where the code runs.
"""

from __future__ import annotations

import logging
import sys
from html import escape
from typing import Any, Protocol, TextIO, runtime_checkable

__all__ = [
    "LoggingReporter",
    "NotebookReporter",
    "Reporter",
    "SilentReporter",
    "TerminalReporter",
    "default_reporter",
]

log = logging.getLogger("azrm")


@runtime_checkable
class Reporter(Protocol):
    """Receives the steps of operations."""

    def start(self, step: str) -> None:
        """Return a step begins."""

    def update(self, step: str, status: str, elapsed: float) -> None:
        """Return the step is still running (``status`` as Azure reports it)."""

    def finish(self, step: str, ok: bool, elapsed: float) -> None:
        """Return the step ended (``ok`` False when it raised)."""


class SilentReporter:
    """Reports nothing."""

    def start(self, step: str) -> None:
        """Do nothing."""

    def update(self, step: str, status: str, elapsed: float) -> None:
        """Do nothing."""

    def finish(self, step: str, ok: bool, elapsed: float) -> None:
        """Do nothing."""


class LoggingReporter:
    """Steps as ``logging`` records on the ``azrm`` logger (INFO; updates at DEBUG)."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger or log

    def start(self, step: str) -> None:
        """Log the start."""
        self.logger.info("%s ...", step)

    def update(self, step: str, status: str, elapsed: float) -> None:
        """Log the status."""
        self.logger.debug("%s: %s (%.0f s)", step, status, elapsed)

    def finish(self, step: str, ok: bool, elapsed: float) -> None:
        """Log the outcome."""
        if ok:
            self.logger.info("%s: done in %.1f s", step, elapsed)
        else:
            self.logger.warning("%s: failed after %.1f s", step, elapsed)


class TerminalReporter:
    """A live line per step on a terminal (stderr by default), kept as a summary line when done."""

    FRAMES = "|/-\\"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self._frame = 0

    def _line(self, text: str, *, final: bool) -> None:
        self.stream.write("\r\x1b[2K" + text + ("\n" if final else ""))
        self.stream.flush()

    def start(self, step: str) -> None:
        """Show the step."""
        self._line(f"  {step} ...", final=False)

    def update(self, step: str, status: str, elapsed: float) -> None:
        """Spin and show the time spent."""
        self._frame = (self._frame + 1) % len(self.FRAMES)
        self._line(f"{self.FRAMES[self._frame]} {step} ... {status} ({elapsed:.0f} s)", final=False)

    def finish(self, step: str, ok: bool, elapsed: float) -> None:
        """Leave a summary line."""
        mark = "ok" if ok else "FAILED"
        self._line(f"{mark:>6}  {step} ({elapsed:.1f} s)", final=True)


class NotebookReporter:
    """A live line per step in a Jupyter notebook (an updated display), kept as a summary."""

    def __init__(self) -> None:
        from IPython.display import display

        self._display = display
        self._handles: dict[str, Any] = {}

    def _show(self, step: str, mark: str, text: str) -> None:
        from IPython.display import HTML

        html = HTML(f"<code>{mark} {escape(text)}</code>")
        handle = self._handles.get(step)
        if handle is None:
            self._handles[step] = self._display(html, display_id=True)
        else:
            handle.update(html)

    def start(self, step: str) -> None:
        """Show the step."""
        self._show(step, "&#8987;", f"{step} ...")

    def update(self, step: str, status: str, elapsed: float) -> None:
        """Show the status and the time spent."""
        self._show(step, "&#8987;", f"{step} ... {status} ({elapsed:.0f} s)")

    def finish(self, step: str, ok: bool, elapsed: float) -> None:
        """Show the outcome."""
        mark = "&#10004;" if ok else "&#10008;"
        self._show(step, mark, f"{step} ({elapsed:.1f} s)")
        self._handles.pop(step, None)


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()
    except AttributeError:
        return False
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


def default_reporter() -> Reporter:
    """Return a notebook display in Jupyter, a live line on a terminal, ``logging`` anywhere else."""
    if _in_notebook():
        return NotebookReporter()
    if sys.stderr.isatty():
        return TerminalReporter()
    return LoggingReporter()
