"""The corpus gate's table: every worker's rows reach the controller through ``user_properties``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.corpus.corpus import CORPUS, FolderServer, Row, available, table

_ROWS: list[Row] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call":
        return
    for name, value in report.user_properties:
        if name == "corpus_row":
            _ROWS.append(Row(**json.loads(str(value))))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not available():
        terminalreporter.write_line(f"corpus conformance: skipped ({CORPUS} not found beside this checkout)")
        return
    if not _ROWS:
        return
    terminalreporter.section("corpus conformance")
    for line in table(_ROWS):
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def folder_server() -> Iterator[FolderServer]:
    with FolderServer(CORPUS / "templates") as server:
        yield server
