"""Applying a plan: the graph run with bounded parallelism, a journal, resume and roll back.

Each step runs as soon as the steps it depends on have succeeded (or had nothing to do); a failed
step fails its dependants only, the independent branches finish, and one :class:`PlanApplyError`
at the end lists every failure with ARM's code, message and correlation id. A step whose resource
already is what the script asks for is skipped, so a re-run (or a resume after a failure or a
killed process) writes nothing that is already done.

The journal is JSON lines, one line per step event, flushed and fsynced as it is written: no
bodies and no secrets, only ids, kinds, outcomes and whether the resource existed before this plan
first touched it (what :func:`rollback` relies on to delete only what the plan created).
"""

from __future__ import annotations

import builtins
import concurrent.futures
import datetime
import io
import json
import os
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _secrets
from ._session_base import THROTTLE_STATUS_CODES, with_retry_policy
from .errors import AzrmError, StepError
from .plan_delta import KNOWN_AFTER_APPLY_TOKEN

if TYPE_CHECKING:
    from .plan import PlanSession, Step
    from .session import Session

__all__ = ["ApplyResult", "Journal", "Outcome", "PlanApplyError", "apply", "read_current", "rollback"]

RG_API = "2022-09-01"
#: default parallelism: enough for a 50-VM fleet to run at its critical path, well under ARM's write burst (200)
DEFAULT_PARALLELISM = 50
#: how long a step may be kept waiting by throttling before it counts as failed (Terraform's azurerm
#: provider waits out 429s within its 30-minute create timeouts in the same way)
THROTTLE_PATIENCE = 1800.0


@dataclass
class Outcome:
    """What happened to one step.

    ``status``: ``made``, ``changed``, ``unchanged``, ``deleted``, ``published``, ``failed`` or ``not started``.
    """

    step: Step
    status: str
    seconds: float = 0.0
    error: str | None = None  #: ARM's code and message (and correlation id) when it failed
    exception: BaseException | None = field(default=None, repr=False, compare=False)  #: what the step raised


#: Python 3.11's ExceptionGroup (3.10 has none: ``exceptions`` is still there, ``except*`` is not)
_GROUP: Any = getattr(builtins, "ExceptionGroup", None)


class PlanApplyError(AzrmError, _GROUP or Exception):  # type: ignore[misc]
    """Some steps failed (their dependants did not start); ``result`` says, per resource, what exists.

    An exception group (Python 3.11+: ``except* StepError``) of one :class:`~azrm.errors.StepError`
    per failed step, each naming the resource and carrying ARM's code, message and correlation id
    (its ``__cause__`` is the SDK's exception).
    """

    code = "plan-apply"
    exceptions: tuple[StepError, ...]

    def __new__(cls, result: ApplyResult) -> PlanApplyError:
        """Make the group of the result's failed steps."""
        failures = _step_errors(result)
        text = _summary(result, failures)
        if _GROUP is not None:
            return super().__new__(cls, text, failures)
        self = super().__new__(cls, text)
        self.exceptions = tuple(failures)
        return self

    def __init__(self, result: ApplyResult) -> None:
        failures = self.exceptions
        if _GROUP is not None:
            super().__init__(_summary(result, list(failures)), failures)
        else:
            super().__init__(_summary(result, list(failures)))
        self.result = result

    def __str__(self) -> str:
        return str(self.args[0])

    def derive(self, excs: Any) -> Any:
        """Return a plain exception group of a subset (what ``except*`` splits off)."""
        return _GROUP(str(self.args[0]), excs) if _GROUP is not None else self


def _step_errors(result: ApplyResult) -> list[StepError]:
    made = [o.step.id for o in result.outcomes if o.status in ("made", "changed", "published")]
    done = [o.step.label for o in result.outcomes if o.status not in ("failed", "not started")]
    out = []
    for o in result.outcomes:
        if o.status != "failed":
            continue
        cause = o.exception if o.exception is not None else AzrmError(o.error or "failed")
        error = StepError(o.step.label, completed=done, existing=made, cause=cause, resource_id=o.step.id)
        error.__cause__ = cause
        out.append(error)
    return out


def _summary(result: ApplyResult, failures: list[StepError]) -> str:
    failed = [o for o in result.outcomes if o.status == "failed"]
    lines = [f"{len(failed)} step(s) failed:"] + [f"  {o.step.label}: {o.error}" for o in failed]
    lines.append(str(result))
    return "\n".join(lines)


@dataclass
class ApplyResult:
    """Every step's outcome, in plan order, and the requests made."""

    outcomes: list[Outcome]
    seconds: float
    journal: Path

    @property
    def ok(self) -> bool:
        """Nothing failed."""
        return all(o.status not in ("failed", "not started") for o in self.outcomes)

    def counts(self) -> dict[str, int]:
        """How many steps ended in each status."""
        return dict(Counter(o.status for o in self.outcomes))

    def __str__(self) -> str:
        width = max([len(o.step.label) for o in self.outcomes] + [8])
        lines = [f"  {o.step.label:<{width}}  {o.status:<11} {o.seconds:6.1f} s" for o in self.outcomes]
        summary = ", ".join(f"{n} {s}" for s, n in self.counts().items())
        return "\n".join([*lines, f"Applied in {self.seconds:.1f} s: {summary}."])


class Journal:
    """The JSON-lines journal of a plan's runs (append only, one fsync per line)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def read(self) -> list[dict[str, Any]]:
        """Every entry written so far (a torn last line, from a killed process, is ignored)."""
        if not self.path.is_file():
            return []
        entries = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                entries.append(json.loads(line))
            except ValueError:
                continue
        return entries

    def write(self, **entry: Any) -> None:
        """Append one entry."""
        entry.setdefault("time", datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds"))
        line = _secrets.scrub(json.dumps(entry, sort_keys=True)) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())

    def existed_before(self) -> dict[str, bool]:
        """Return, for each step key, whether its resource existed when the plan first started it."""
        out: dict[str, bool] = {}
        for entry in self.read():
            if entry.get("event") == "started" and entry["key"] not in out:
                out[entry["key"]] = bool(entry.get("existed"))
        return out


# -- reading the target ---------------------------------------------------------------------------------
def paced_client(target: Session) -> Any:
    """Return a resource client for one run: paced by ARM's remaining budgets, retrying throttling (429/503)."""
    from azure.mgmt.resource.resources import ResourceManagementClient

    from .pacing import RateLimitPacer

    options = with_retry_policy(dict(target.client_options))
    return ResourceManagementClient(
        target.credential,
        target.subscription_id,
        base_url=target.arm_endpoint,
        credential_scopes=target.credential_scopes,
        per_call_policies=[RateLimitPacer()],
        **options,
    )


def read_current(target: Session, step: Step, client: Any = None) -> dict[str, Any] | None:
    """Return the step's resource as the target answers a GET, or ``None`` when it does not exist."""
    from azure.core.rest import HttpRequest

    if step.kind == "publish":
        return None
    api = RG_API if step.type == "Microsoft.Resources/resourceGroups" else step.api_version or RG_API
    client = client if client is not None else target.resource_client
    answer = client._client.send_request(HttpRequest("GET", f"{target.arm_endpoint}{step.id}?api-version={api}"))
    if answer.status_code == 404:
        return None
    answer.raise_for_status()
    return dict(answer.json())


def published_already(plan: PlanSession, step: Step) -> bool:
    """Tell whether a publish step's archive is already in the target's storage with the same content."""
    from azure.core.exceptions import AzureError

    from .operations.dsc import SHA_METADATA

    rg, account, container, archive = plan._publishes[step.key]
    try:
        blob = plan.target.blob_service(rg, account).get_blob_client(container, archive.name)
        return bool(blob.get_blob_properties().metadata.get(SHA_METADATA) == archive.sha256)
    except AzureError:
        return False


# -- applying ---------------------------------------------------------------------------------------------
def apply(plan: PlanSession, *, parallelism: int | None = None) -> ApplyResult:
    """Run ``plan``'s steps against its target: dependencies first, ``parallelism`` at once (default 50)."""
    target = plan.target
    client = paced_client(target)
    steps = plan.steps()
    by_key = {s.key: s for s in steps}
    journal = Journal(plan.journal_path)
    known_existed = journal.existed_before()
    run = str(uuid.uuid4())
    resolved: dict[str, str] = {}
    sas_for: dict[str, str] = {}  # planned archive URL -> its SAS token
    lock = threading.Lock()
    outcomes: dict[str, Outcome] = {}
    started = time.monotonic()
    journal.write(event="apply", run=run, steps=len(steps))

    def resolve(body: dict[str, Any]) -> dict[str, Any]:
        text = json.dumps(body)
        for token, rid, path in {(m.group(0), m.group(1), m.group(2)) for m in KNOWN_AFTER_APPLY_TOKEN.finditer(text)}:
            with lock:
                known = token in resolved
            if not known:
                value = _server_filled(target, client, by_key, rid, path)
                with lock:
                    resolved[token] = json.dumps(value)[1:-1]
        with lock:
            for planned, real in resolved.items():
                text = text.replace(planned, real)
            if plan._artifact_token in text:
                for url, token in sas_for.items():
                    if url in text:
                        text = text.replace(plan._artifact_token, token)
                        break
        return dict(json.loads(text))

    def run_step(step: Step) -> Outcome:
        begun = time.monotonic()
        label = step.label
        target.reporter.start(label)
        try:
            attempt = 0
            while True:
                try:
                    status = _execute(plan, client, step, resolve, resolved, sas_for, lock, journal, known_existed, run)
                    break
                except Exception as exc:  # throttled beyond the client's retries: wait, then do the step again
                    throttled = getattr(exc, "status_code", None) in THROTTLE_STATUS_CODES
                    if not throttled or time.monotonic() - begun > THROTTLE_PATIENCE:
                        raise
                    time.sleep(_retry_after(exc, attempt))
                    attempt += 1
        except Exception as exc:  # a step's failure is reported, never raised from a worker
            error = _describe(exc)
            journal.write(event="failed", run=run, key=step.key, id=step.id, kind=step.kind, error=error)
            target.reporter.finish(label, False, time.monotonic() - begun)
            return Outcome(step, "failed", time.monotonic() - begun, error, exc)
        target.reporter.finish(label, True, time.monotonic() - begun)
        return Outcome(step, status, time.monotonic() - begun)

    workers = max(1, parallelism or DEFAULT_PARALLELISM)
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="azrm-apply") as pool:
        running: dict[concurrent.futures.Future[Outcome], str] = {}
        while len(outcomes) < len(steps):
            for step in steps:
                if step.key in outcomes or step.key in running.values():
                    continue
                deps = [d for d in step.depends_on if d in by_key]
                if any(outcomes.get(d) is not None and outcomes[d].status in ("failed", "not started") for d in deps):
                    outcomes[step.key] = Outcome(step, "not started", error="a step it depends on failed")
                    continue
                if all(d in outcomes for d in deps):
                    running[pool.submit(run_step, step)] = step.key
            if not running:
                continue
            done, _ = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                key = running.pop(future)
                outcomes[key] = future.result()
    result = ApplyResult([outcomes[s.key] for s in steps], time.monotonic() - started, journal.path)
    journal.write(event="applied", run=run, ok=result.ok, counts=result.counts())
    if not result.ok:
        raise PlanApplyError(result)
    return result


def _execute(
    plan: PlanSession,
    client: Any,
    step: Step,
    resolve: Any,
    resolved: dict[str, str],
    sas_for: dict[str, str],
    lock: threading.Lock,
    journal: Journal,
    known_existed: dict[str, bool],
    run: str,
) -> str:
    """Do one step; returns its status (the journal gets ``started`` and ``succeeded``/``skipped``)."""
    from .plan_delta import delta
    from .templates.writer import strip_read_only

    target = plan.target
    if step.kind == "publish":
        rg, account, container, _ = plan._publishes[step.key]
        archive = step.artifact
        journal.write(event="started", run=run, key=step.key, id=step.id, kind=step.kind,
                      existed=known_existed.get(step.key, False))  # fmt: skip
        already = published_already(plan, step)
        if already:  # its URL without a second read of the blob
            url = str(target.blob_service(rg, account).get_blob_client(container, archive.name).url)
        else:
            url = target.publish_archive(rg, archive, storage_account_name=account, container_name=container)
        key = target.get_storage_account_key(rg, account)[0].value
        token = target._sas(key, account, container, archive.name, datetime.timedelta(days=7))
        planned = f"http://127.0.0.1:10000/{account}/{container}/{archive.name}"
        with lock:
            sas_for[planned] = token
            sas_for[url] = token
        journal.write(event="succeeded", run=run, key=step.key, id=step.id, kind=step.kind)
        return "unchanged" if already else "published"
    current = read_current(target, step, client)
    existed = known_existed.get(step.key, current is not None)
    if step.kind == "delete":
        if current is None:
            journal.write(event="skipped", run=run, key=step.key, id=step.id, kind=step.kind)
            return "unchanged"
        journal.write(event="started", run=run, key=step.key, id=step.id, kind=step.kind, existed=True)
        if step.type == "Microsoft.Resources/resourceGroups":
            client.resource_groups.begin_delete(step.name).result()
        else:
            client.resources.begin_delete_by_id(step.id, api_version=step.api_version).result()
        journal.write(event="succeeded", run=run, key=step.key, id=step.id, kind=step.kind)
        return "deleted"
    body = resolve(step.body)
    if current is not None:
        wanted = body if step.type == "Microsoft.Resources/resourceGroups" else strip_read_only(step.type, body)
        if not delta(wanted, current):
            journal.write(event="skipped", run=run, key=step.key, id=step.id, kind=step.kind, existed=existed)
            _learn(target, step, current, resolved, lock)
            return "unchanged"
    journal.write(event="started", run=run, key=step.key, id=step.id, kind=step.kind, existed=existed)
    if step.type == "Microsoft.Resources/resourceGroups":
        made = client.resource_groups.create_or_update(step.name, body).as_dict()
    else:
        poller = client.resources.begin_create_or_update_by_id(
            step.id, io.BytesIO(json.dumps(body).encode("utf-8")), api_version=step.api_version
        )
        poller.result()
        # only a storage account's answer is needed (its endpoint): no read-back otherwise
        made = read_current(target, step, client) or {} if step.type.lower().endswith("/storageaccounts") else {}
    _learn(target, step, made, resolved, lock)
    journal.write(event="succeeded", run=run, key=step.key, id=step.id, kind=step.kind)
    return "changed" if current is not None else "made"


def _server_filled(target: Session, client: Any, by_key: dict[str, Step], rid: str, path: str) -> str:
    """Return the value Azure filled in at ``path`` of resource ``rid`` (a "known after apply" value)."""
    producer = by_key.get(rid.lower())
    node: Any = read_current(target, producer, client) or {} if producer is not None else {}
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, str) or not node:
        raise AzrmError(
            f"{rid}: {path} has no value in Azure yet, so a step that uses it cannot run (a dynamic public IP, "
            "for one, gets its address only once a running VM uses it)"
        )
    return node


def _learn(target: Session, step: Step, answer: dict[str, Any], resolved: dict[str, str], lock: threading.Lock) -> None:
    """Note the values Azure filled in that later steps need (a storage account's blob endpoint)."""
    if step.type.lower() == "microsoft.storage/storageaccounts":
        endpoint = ((answer.get("properties") or {}).get("primaryEndpoints") or {}).get("blob")
        if endpoint:
            with lock:
                resolved[f"http://127.0.0.1:10000/{step.name}/"] = str(endpoint)


def _retry_after(exc: BaseException, attempt: int) -> float:
    """Return how long to wait before doing a throttled step again: ``Retry-After``, else a backoff; jittered."""
    response = getattr(exc, "response", None)
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        wait = float(value) if value is not None else min(60.0, 2.0**attempt)
    except ValueError:
        wait = min(60.0, 2.0**attempt)
    return wait * (1 + random.uniform(0, 0.5))


def _describe(exc: BaseException) -> str:
    error = getattr(exc, "error", None)
    response = getattr(exc, "response", None)
    correlation = ""
    if response is not None:
        correlation = response.headers.get("x-ms-correlation-request-id", "")
    code = getattr(error, "code", None)
    message = getattr(error, "message", None) or str(exc).splitlines()[0]
    text = f"{code}: {message}" if code else f"{type(exc).__name__}: {message}"
    return _secrets.scrub(text + (f" (correlation id {correlation})" if correlation else ""))


# -- rolling back -------------------------------------------------------------------------------------------
def rollback(plan: PlanSession, *, confirm: bool = True) -> list[str]:
    """Delete what the plan's runs created (per the journal), dependants first; returns the deleted ids."""
    target = plan.target
    journal = Journal(plan.journal_path)
    existed = journal.existed_before()
    steps = plan.steps()
    created = [s for s in steps if s.kind == "put" and s.key in existed and not existed[s.key]]
    groups = {s.key for s in created if s.type == "Microsoft.Resources/resourceGroups"}
    doomed = [s for s in reversed(created) if not any(s.key.startswith(g + "/") for g in groups)]
    if confirm:
        print("Rollback deletes what this plan created:" if doomed else "Rollback: nothing this plan created exists.")
        for step in doomed:
            print(f"  - {step.label}")
    deleted = []
    for step in doomed:
        if read_current(target, step) is None:
            continue
        journal.write(event="rollback", key=step.key, id=step.id, kind="delete")
        if step.type == "Microsoft.Resources/resourceGroups":
            target.resource_client.resource_groups.begin_delete(step.name).result()
        else:
            target.resource_client.resources.begin_delete_by_id(step.id, api_version=step.api_version).result()
        deleted.append(step.id)
    journal.write(event="rolled back", deleted=len(deleted))
    return deleted
