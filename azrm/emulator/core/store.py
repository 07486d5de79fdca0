"""The local Azure's state: resource records in memory, optionally written through to SQLite.

Records are keyed by their lower-cased id (ARM ids are case-insensitive) and indexed by type, by
position in the id tree (``under``) and by what they refer to (:class:`RefIndex`, registered by the
providers), so no lookup scans every record. The
SQLite file (``--state FILE``) receives every change at the end of the request that made it, in one
transaction with the long-running operations that request started or finished (the ``operations``
table holds the unfinished ones), so a killed server loses at most the request in flight and never
keeps a record without the operation that was to finish it. It is created readable by its owner only, and the
secrets in it (each record's ``secrets``: passwords, protected settings, secure deployment parameters,
account keys; and the persisted settings) are sealed with Fernet (AES-128-CBC and HMAC-SHA256, from
``cryptography``) under a key in ``FILE.key`` beside it, created with mode 0600. A state file copied
or attached without its key shows no secret; the key beside it protects nothing from the user's own
account, which is the point: the local Azure restarts on its state without asking for a passphrase.
"""

from __future__ import annotations

import bisect
import copy
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from .ids import ResourceId, key

__all__ = ["Record", "RefIndex", "StateKeyError", "Store"]

log = logging.getLogger("azrm.emulator")

_SEALED = "$sealed"  # a persisted value sealed with the state file's key


class StateKeyError(ValueError):
    """The state file's secrets cannot be opened: its key file is missing or is not the one they were sealed with."""


class _Sealer:
    """Seal and open JSON values with the key in ``<state file>.key`` (made on first use, mode 0600)."""

    def __init__(self, state_path: str) -> None:
        from cryptography.fernet import Fernet

        self.path = state_path + ".key"
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            if os.stat(self.path).st_mode & 0o077:
                os.chmod(self.path, 0o600)
            with open(self.path, "rb") as handle:
                key = handle.read().strip()
        else:
            key = Fernet.generate_key()
            with os.fdopen(fd, "wb") as handle:
                handle.write(key + b"\n")
        try:
            self._fernet = Fernet(key)
        except ValueError:
            raise StateKeyError(f"{self.path} does not hold a key (44 characters of URL-safe base64)") from None

    def seal(self, value: Any) -> dict[str, str]:
        return {_SEALED: self._fernet.encrypt(json.dumps(value).encode("utf-8")).decode("ascii")}

    def open(self, value: Any) -> Any:
        if not (isinstance(value, dict) and set(value) == {_SEALED}):
            return value  # written in clear (a state file from before sealing): sealed at its next write
        from cryptography.fernet import InvalidToken

        try:
            return json.loads(self._fernet.decrypt(value[_SEALED].encode("ascii")))
        except InvalidToken:
            raise StateKeyError(
                f"the secrets in the state file were sealed with another key than the one in {self.path}: "
                "restore the key file that was beside it, or start on a new state file"
            ) from None


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


class RefIndex:
    """Which records (of some types) refer to a value: a NIC to a public IP, a VM to a NIC.

    ``extract(record)`` yields the values a record refers to (lower-cased ids, addresses...). The
    index is brought up to date lazily: the store marks a record stale whenever it is put, touched or
    deleted, and a lookup re-extracts only the stale ones. A lookup returns *candidates* in creation
    order; callers still check the reference, so a record changed in place without ``touch`` can at
    worst be missed until it is touched (as it would be missed by the state file).
    """

    def __init__(self, store: Store, types: Iterable[str], extract: Callable[[Record], Iterable[str]]) -> None:
        self._store = store
        self.types = frozenset(t.lower() for t in types)
        self._extract = extract
        self._stale: set[str] = set()
        self._emitted: dict[str, tuple[str, ...]] = {}
        self._by_value: dict[str, set[str]] = {}
        for record in store._records.values():
            if record.type.lower() in self.types:
                self._stale.add(record.key)

    def mark(self, record_key: str) -> None:
        """Note that a record changed (the store calls this)."""
        self._stale.add(record_key)

    def reset(self) -> None:
        """Forget everything (the store was cleared)."""
        self._stale.clear()
        self._emitted.clear()
        self._by_value.clear()

    def _refresh(self) -> None:
        records = self._store._records
        for k in self._stale:
            for value in self._emitted.pop(k, ()):
                holders = self._by_value.get(value)
                if holders is not None:
                    holders.discard(k)
                    if not holders:
                        del self._by_value[value]
            record = records.get(k)
            if record is None or record.type.lower() not in self.types:
                continue
            values = tuple(dict.fromkeys(self._extract(record)))
            if values:
                self._emitted[k] = values
                for value in values:
                    self._by_value.setdefault(value, set()).add(k)
        self._stale.clear()

    def records(self, value: str, resource_type: str | None = None) -> list[Record]:
        """Return the records referring to ``value`` (of ``resource_type`` when given), oldest first."""
        if self._stale:
            self._refresh()
        holders = self._by_value.get(value)
        if not holders:
            return []
        records = self._store._records
        found = [records[k] for k in holders if k in records]
        if resource_type is not None:
            wanted = resource_type.lower()
            found = [r for r in found if r.type.lower() == wanted]
        return self._store.in_creation_order(found)


class Store:
    """Records by key, by type and by id prefix, with optional SQLite write-through."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self._records: dict[str, Record] = {}
        self._by_type: dict[str, dict[str, Record]] = {}
        #: every key, sorted (ranges of it are the records under a scope)
        self._sorted: list[str] = []
        #: creation number of each key (answers keep creation order)
        self._born: dict[str, int] = {}
        self._births = 0
        self._indexes: dict[str, RefIndex] = {}
        self.meta: dict[str, Any] = {}
        self._dirty: set[str] = set()
        self._meta_dirty = False
        #: unfinished operations to write (key -> row) or to forget (key -> ``None``) at the next flush
        self._op_rows: dict[str, dict[str, Any] | None] = {}
        #: the unfinished operations the state file held when it was opened (a restart interrupted them)
        self.interrupted: list[dict[str, Any]] = []
        #: run before each transaction (the blob data the state will refer to is made durable first)
        self.before_commit: Callable[[], None] | None = None
        #: told ``"before"`` and ``"after"`` each transaction commits, with its number (the crash tests' kill switch)
        self.on_commit: Callable[[str, int], None] | None = None
        #: transactions committed since the file was opened
        self.commits = 0
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = None
        self._sealer: _Sealer | None = None
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
        self._sealer = sealer = _Sealer(path)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA secure_delete=ON")  # a value replaced by its sealed form leaves no trace
        self._db.execute("CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, data TEXT NOT NULL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS operations (key TEXT PRIMARY KEY, data TEXT NOT NULL)")
        self.interrupted = [json.loads(data) for (data,) in self._db.execute("SELECT data FROM operations")]
        self.interrupted.sort(key=lambda row: row.get("seq", 0))
        rows = [json.loads(data) for (data,) in self._db.execute("SELECT data FROM records")]
        # back in creation order (a row rewritten by INSERT OR REPLACE moves to the end of the table)
        rows.sort(key=lambda fields: fields.get("born", 0))
        for fields in rows:
            fields.pop("born", None)
            sealed = fields.get("secrets")
            fields["secrets"] = sealer.open(sealed)
            record = Record(**fields)
            self._index(record)
            if fields["secrets"] and sealed is fields["secrets"]:
                self._dirty.add(record.key)  # kept in clear by an older azrm: sealed at the next flush
        for name, value in self._db.execute("SELECT key, value FROM meta"):
            stored = json.loads(value)
            self.meta[name] = sealer.open(stored)
            self._meta_dirty |= stored is self.meta[name]

    def flush(self) -> None:
        """Write pending changes to SQLite (no-op without a file)."""
        with self._lock:
            if self._db is None or not (self._dirty or self._meta_dirty or self._op_rows):
                self._dirty.clear()
                self._op_rows.clear()
                return
            db = self._db
            if self.before_commit is not None:
                try:
                    self.before_commit()
                except Exception:  # the state is written all the same; what is missing is reported at restart
                    log.warning("could not make blob data durable before a commit", exc_info=True)
            db.execute("BEGIN")
            try:
                for k in self._dirty:
                    record = self._records.get(k)
                    if record is None:
                        db.execute("DELETE FROM records WHERE key = ?", (k,))
                    else:
                        db.execute(
                            "INSERT OR REPLACE INTO records (key, data) VALUES (?, ?)",
                            (k, json.dumps(self._sealed(record))),
                        )
                if self._meta_dirty:
                    for name, value in self.meta.items():
                        sealed = self._sealer.seal(value) if self._sealer is not None else value
                        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (name, json.dumps(sealed)))
                for op_key, row in self._op_rows.items():
                    if row is None:
                        db.execute("DELETE FROM operations WHERE key = ?", (op_key,))
                    else:
                        db.execute(
                            "INSERT OR REPLACE INTO operations (key, data) VALUES (?, ?)", (op_key, json.dumps(row))
                        )
                if self.on_commit is not None:
                    self.on_commit("before", self.commits + 1)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            self._dirty.clear()
            self._meta_dirty = False
            self._op_rows.clear()
            self.commits += 1
            if self.on_commit is not None:
                self.on_commit("after", self.commits)

    def stage_operation(self, op_key: str, row: dict[str, Any] | None) -> None:
        """Write an unfinished operation's row at the next flush (``None``: it finished, forget it)."""
        with self._lock:
            self._op_rows[op_key] = row

    def forget_interrupted(self) -> None:
        """Drop the rows of :attr:`interrupted` (the restart has dealt with them)."""
        with self._lock:
            for row in self.interrupted:
                self._op_rows[str(row["key"])] = None
            self.interrupted = []

    def _sealed(self, record: Record) -> dict[str, Any]:
        fields = asdict(record)
        fields["born"] = self._born.get(record.key, 0)
        if fields["secrets"] and self._sealer is not None:
            fields["secrets"] = self._sealer.seal(fields["secrets"])
        return fields

    def close(self) -> None:
        """Flush and close the file."""
        with self._lock:
            self.flush()
            if self._db is not None:
                self._db.close()
                self._db = None

    # -- records -----------------------------------------------------------------------------
    def _index(self, record: Record) -> None:
        k = record.key
        if k not in self._records:
            self._births += 1
            self._born[k] = self._births
            bisect.insort(self._sorted, k)
        self._records[k] = record
        self._by_type.setdefault(record.type.lower(), {})[k] = record
        self._changed(record)

    def _changed(self, record: Record) -> None:
        rtype = record.type.lower()
        for index in self._indexes.values():
            if rtype in index.types:
                index.mark(record.key)

    def ref_index(self, name: str, types: Iterable[str], extract: Callable[[Record], Iterable[str]]) -> RefIndex:
        """Return the reference index called ``name``, creating it on first use (see :class:`RefIndex`)."""
        with self._lock:
            index = self._indexes.get(name)
            if index is None:
                index = self._indexes[name] = RefIndex(self, types, extract)
            return index

    def in_creation_order(self, records: Iterable[Record]) -> list[Record]:
        """Sort records the way :meth:`of_type` lists them (oldest first)."""
        born = self._born
        return sorted(records, key=lambda r: born.get(r.key, 0))

    def get(self, resource_id: str) -> Record | None:
        """Return the record with this id (any casing), or ``None``."""
        return self._records.get(key(resource_id))

    def put(self, record: Record) -> Record:
        """Insert or replace a record."""
        with self._lock:
            old = self._records.get(record.key)
            if old is not None and old.type.lower() != record.type.lower():
                self._by_type.get(old.type.lower(), {}).pop(old.key, None)
                self._changed(old)
            self._index(record)
            self._dirty.add(record.key)
            return record

    def touch(self, record: Record) -> None:
        """Mark a record changed in place."""
        self._dirty.add(record.key)
        self._changed(record)

    def delete(self, resource_id: str) -> Record | None:
        """Remove and return the record (``None`` if absent)."""
        with self._lock:
            k = key(resource_id)
            record = self._records.pop(k, None)
            if record is not None:
                self._by_type.get(record.type.lower(), {}).pop(k, None)
                self._dirty.add(k)
                self._born.pop(k, None)
                i = bisect.bisect_left(self._sorted, k)
                if i < len(self._sorted) and self._sorted[i] == k:
                    del self._sorted[i]
                self._changed(record)
            return record

    def of_type(self, resource_type: str) -> list[Record]:
        """All records of a type, in creation order."""
        return list(self._by_type.get(resource_type.lower(), {}).values())

    def under(self, scope_id: str) -> list[Record]:
        """Return records whose id lies under ``scope_id`` (children, grandchildren...)."""
        prefix = key(scope_id) + "/"
        keys = self._sorted
        # every key starting with "<scope>/" sorts between "<scope>/" and "<scope>0" ("0" follows "/")
        lo = bisect.bisect_left(keys, prefix)
        hi = bisect.bisect_left(keys, prefix[:-1] + "0", lo)
        return self.in_creation_order(self._records[k] for k in keys[lo:hi])

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
            self._sorted.clear()
            self._born.clear()
            for index in self._indexes.values():
                index.reset()
