"""The corpus gate's fixture: the corpus's templates folder served on loopback, as a user would serve it.

The table of outcomes is printed by the hooks in ``tests/conftest.py`` (the controller of an xdist
run loads that one, not this one, when the whole suite runs).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.corpus.corpus import CORPUS, FolderServer


@pytest.fixture(scope="session")
def folder_server() -> Iterator[FolderServer]:
    with FolderServer(CORPUS / "templates") as server:
        yield server
