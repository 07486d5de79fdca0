"""The local Azure's state: resource records in memory, optionally written through to SQLite.

Records are keyed by their lower-cased id (ARM ids are case-insensitive) and indexed by type. The
SQLite file (``--state FILE``) receives every change at the end of the request that made it, so a
killed server loses at most the request in flight. It holds secrets (account keys, passwords), so it
is created readable by its owner only.
"""

from __future__ import annotations

import copy
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from .ids import ResourceId, key

__all__ = ["Record", "Store"]


@dataclass
class Record:
    """One resource.

    ``body`` is the ARM representation without secrets and without fields derived from other
    resources (back-references are computed when rendered); ``secrets`` holds what Azure accepts but
    never returns (``adminPassword``, ``protectedSettings``, account keys); ``internal`` is the
    emulator's bookkeeping (power state, allocations...).
    """

    id: str
    type: str
    body: dict[str, Any]
    secrets: dict[str, Any] = field(default_factory=dict, repr=False)
    internal: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Lower-cased id."""
        return key(self.id)

    @property
    def name(self) -> str:
        """The resource's name (last segment of its id)."""
        return self.id.rstrip("/").rsplit("/", 1)[-1]

    @property
    def rid(self) -> ResourceId:
        """The parsed id."""
        return ResourceId.parse(self.id)

    @property
    def resource_group(self) -> str | None:
        """The resource group named in the id, if any."""
        parts = self.id.split("/")
        for i, part in enumerate(parts):
            if part.lower() == "resourcegroups" and i + 1 < len(parts):
                return parts[i + 1]
        return None

    @property
    def location(self) -> str | None:
        """``body["location"]``."""
        return self.body.get("location")

    @property
    def properties(self) -> dict[str, Any]:
        """``body["properties"]`` (created if missing)."""
        return self.body.setdefault("properties", {})

    def copy(self) -> Record:
        """Return a deep copy (used to stage a change before it is validated)."""
        return copy.deepcopy(self)


class Store:
    """Records by key and by type, with optional SQLite write-through."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self._records: dict[str, Record] = {}
        self._by_type: dict[str, dict[str, Record]] = {}
        self.meta: dict[str, Any] = {}
        self._dirty: set[str] = set()
        self._meta_dirty = False
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = None
        self.path = os.fspath(path) if path is not None else None
        #: whether an existing state file had records or settings in it
        self.loaded_from_disk = False
        if self.path is not None:
            self._open(self.path)
            self.loaded_from_disk = bool(self._records or self.meta)

    # -- persistence -------------------------------------------------------------------------
    def _open(self, path: str) -> None:
        new = not os.path.exists(path)
        if new:
            # Create it private before anything secret lands in it.
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, data TEXT NOT NULL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        for (data,) in self._db.execute("SELECT data FROM records"):
            record = Record(**json.loads(data))
            self._index(record)
        for name, value in self._db.execute("SELECT key, value FROM meta"):
            self.meta[name] = json.loads(value)

    def flush(self) -> None:
        """Write pending changes to SQLite (no-op without a file)."""
        with self._lock:
            if self._db is None or not (self._dirty or self._meta_dirty):
                self._dirty.clear()
                return
            db = self._db
            db.execute("BEGIN")
            try:
                for k in self._dirty:
                    record = self._records.get(k)
                    if record is None:
                        db.execute("DELETE FROM records WHERE key = ?", (k,))
                    else:
                        db.execute(
                            "INSERT OR REPLACE INTO records (key, data) VALUES (?, ?)",
                            (k, json.dumps(asdict(record))),
                        )
                if self._meta_dirty:
                    for name, value in self.meta.items():
                        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (name, json.dumps(value)))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            self._dirty.clear()
            self._meta_dirty = False

    def close(self) -> None:
        """Flush and close the file."""
        with self._lock:
            self.flush()
            if self._db is not None:
                self._db.close()
                self._db = None

    # -- records -----------------------------------------------------------------------------
    def _index(self, record: Record) -> None:
        self._records[record.key] = record
        self._by_type.setdefault(record.type.lower(), {})[record.key] = record

    def get(self, resource_id: str) -> Record | None:
        """Return the record with this id (any casing), or ``None``."""
        return self._records.get(key(resource_id))

    def put(self, record: Record) -> Record:
        """Insert or replace a record."""
        with self._lock:
            old = self._records.get(record.key)
            if old is not None and old.type.lower() != record.type.lower():
                self._by_type.get(old.type.lower(), {}).pop(old.key, None)
            self._index(record)
            self._dirty.add(record.key)
            return record

    def touch(self, record: Record) -> None:
        """Mark a record changed in place."""
        self._dirty.add(record.key)

    def delete(self, resource_id: str) -> Record | None:
        """Remove and return the record (``None`` if absent)."""
        with self._lock:
            k = key(resource_id)
            record = self._records.pop(k, None)
            if record is not None:
                self._by_type.get(record.type.lower(), {}).pop(k, None)
                self._dirty.add(k)
            return record

    def of_type(self, resource_type: str) -> list[Record]:
        """All records of a type, in creation order."""
        return list(self._by_type.get(resource_type.lower(), {}).values())

    def under(self, scope_id: str) -> list[Record]:
        """Return records whose id lies under ``scope_id`` (children, grandchildren...)."""
        prefix = key(scope_id) + "/"
        return [r for k, r in self._records.items() if k.startswith(prefix)]

    def __iter__(self) -> Iterator[Record]:
        return iter(list(self._records.values()))

    def __len__(self) -> int:
        return len(self._records)

    def set_meta(self, name: str, value: Any) -> None:
        """Set a persisted setting (subscription ids and such)."""
        self.meta[name] = value
        self._meta_dirty = True

    def clear(self) -> None:
        """Forget every record (the admin ``reset``)."""
        with self._lock:
            self._dirty.update(self._records)
            self._records.clear()
            self._by_type.clear()
