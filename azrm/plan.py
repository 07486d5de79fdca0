"""Plan an imperative script, show what it will change, then apply it in parallel (Terraform's loop).

::

    with azrm.plan_session(az) as plan:  # az: azrm.connect() or azrm.local()
        provision(plan)                # the unchanged script: nothing is written to Azure
    print(plan.show())                 # create / modify (with deltas) / no change / delete, secrets masked
    result = plan.apply()              # independent steps at once, each as soon as what it needs exists
    plan.rollback()                    # after a failure: delete what this run created, nothing else

How it works. A :class:`PlanSession` is a :class:`~azrm.TemplateSession`: the script runs against a
private in-process local Azure (so what it reads back, ``vnet.subnets[0].id``, is there and its
input is checked as Azure would), and every write is recorded as a **step**. Ids in Azure are known
before a resource exists, so the ids a step's body names give the dependency graph. Values Azure
fills in (a storage account's endpoint, the subscription id, a DSC archive's SAS) are placeholders
during planning and are resolved when the step runs ("known after apply").

:meth:`PlanSession.show` reads each step's resource from the target and compares what the script
sets with what is there. :meth:`PlanSession.apply` (in :mod:`azrm.plan_apply`) runs the graph with
bounded parallelism, skips steps with no change (a re-run writes nothing), writes a journal of
every step (JSON lines, flushed per line, so a killed run can be resumed), and fails only the
dependants of a failed step. :meth:`PlanSession.rollback` deletes, in reverse dependency order, what
the journal says this run created; never what existed before.

Limits: a script that reads resources it does not create (an existing network) cannot be planned
yet (the private local Azure does not have them); data-plane writes other than DSC archives are not
recorded.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .plan_delta import KNOWN_AFTER_APPLY, delta, mark_server_filled
from .progress import Reporter
from .template_mode import RecordedResource, TemplateSession

if TYPE_CHECKING:
    from .plan_apply import ApplyResult
    from .session import Session

__all__ = ["KNOWN_AFTER_APPLY", "Change", "PlanReport", "PlanSession", "Step", "plan_session"]

_RG_PATH = re.compile(r"^/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)$", re.IGNORECASE)


@dataclass
class Step:
    """One thing the script does: a resource to put, an archive to publish, or a resource to delete."""

    key: str  #: unique: the resource id (lower case), or ``publish:<account>/<container>/<blob>``
    kind: str  #: ``put``, ``publish`` or ``delete``
    id: str  #: the resource id in the target subscription (for ``publish``: the blob's path)
    type: str
    api_version: str = ""
    body: dict[str, Any] = field(default_factory=dict, repr=False)
    depends_on: set[str] = field(default_factory=set)  #: keys of the steps this one needs first
    artifact: Any = field(default=None, repr=False)  #: the DSC archive of a ``publish`` step
    resource_group: str = ""

    @property
    def name(self) -> str:
        """The resource's (or blob's) name."""
        return self.id.rstrip("/").rsplit("/", 1)[-1]

    @property
    def label(self) -> str:
        """How reports name the step: ``Microsoft.Compute/virtualMachines/web001/extensions/dsc``."""
        if self.kind == "publish":
            return f"DSC archive {self.id}"
        if "/providers/" not in self.id:
            return f"{self.type}/{self.name}"
        namespace, _, path = self.id.split("/providers/", 1)[1].partition("/")
        return f"{namespace}/{path}"


@dataclass(frozen=True)
class Change:
    """What a step would do to the target: ``create``, ``modify``, ``no change``, ``delete``, ``publish``."""

    step: Step
    action: str
    deltas: tuple[tuple[str, Any, Any], ...] = ()  #: (path, now, after) for ``modify``; secrets masked

    def __str__(self) -> str:
        mark = {"create": "+", "modify": "~", "delete": "-", "no change": "=", "publish": "^"}.get(self.action, "?")
        head = f"{mark} {self.step.label}"
        lines = [head] + [f"    ~ {p}: {json.dumps(a)} => {json.dumps(b)}" for p, a, b in self.deltas]
        return "\n".join(lines)


@dataclass
class PlanReport:
    """What :meth:`PlanSession.show` found: one :class:`Change` per step, in dependency order."""

    changes: list[Change]

    def __repr__(self) -> str:
        return f"PlanReport({self.counts()})"

    def counts(self) -> dict[str, int]:
        """How many steps of each action."""
        return dict(Counter(change.action for change in self.changes))

    def __str__(self) -> str:
        counts = ", ".join(
            f"{n} to {a}" if a not in ("no change",) else f"{n} no change" for a, n in self.counts().items()
        )
        return "\n".join([*(str(c) for c in self.changes), f"Plan: {counts or 'nothing to do'}."])

    def _repr_html_(self) -> str:
        import html

        def row(c: Change) -> str:
            deltas = "<br>".join(html.escape(f"{p}: {json.dumps(a)} => {json.dumps(b)}") for p, a, b in c.deltas)
            cells = (html.escape(c.action), html.escape(c.step.label), deltas)
            return "<tr>" + "".join(f"<td>{x}</td>" for x in cells) + "</tr>"

        rows = "".join(row(c) for c in self.changes)
        return f"<table><tr><th>action</th><th>resource</th><th>changes</th></tr>{rows}</table>"


class PlanSession(TemplateSession):
    """A session that records a script's writes as a plan for ``target`` (see :mod:`azrm.plan`).

    :param target: the session the plan is shown against and applied to.
    :keyword journal: the journal file of :meth:`apply` (JSON lines); default: beside the script
        (``<script>.plan-journal.jsonl``), or ``azrm-plan-journal.jsonl`` in the working folder.
    """

    def __init__(
        self,
        target: Session,
        *,
        journal: str | os.PathLike[str] | None = None,
        location: str | None = None,
        reporter: Reporter | None = None,
    ) -> None:
        self.target = target
        self._groups: dict[str, dict[str, Any]] = {}
        self._deletes: dict[str, tuple[str, str, str]] = {}
        self._publishes: dict[str, tuple[str, str, str, Any]] = {}
        super().__init__(location=location or target.default_location, reporter=reporter or target.reporter)
        self.journal_path = Path(journal) if journal is not None else _default_journal()

    def __repr__(self) -> str:
        return f"PlanSession(steps={len(self.steps())}, journal={str(self.journal_path)!r})"

    # -- recording -------------------------------------------------------------------------------
    def _record(self, request: Any, response: Any) -> None:
        if response.status < 300:
            group = _RG_PATH.match(request.path)
            if group is not None and request.method == "PUT":
                body = json.loads(request.body) if request.body else {}
                self._groups[group["rg"].lower()] = {"name": group["rg"], "body": body}
            elif group is not None and request.method == "DELETE":
                name = group["rg"].lower()
                if self._groups.pop(name, None) is None:
                    self._deletes[f"/resourcegroups/{name}"] = (group["rg"], "Microsoft.Resources/resourceGroups", "")
            elif request.method == "DELETE":
                key = request.path.lower()
                known = key in self._resources or key in self._deletes
                if not known and "/providers/" in key:
                    self._deletes[key] = (request.path, "", request.query.get("api-version", ""))
        super()._record(request, response)
        if response.status < 300 and isinstance(response.body, dict):
            response.body = mark_server_filled(response.body)  # what the script gets back, not what is stored

    def publish_archive(self, resource_group_name: str, archive: Any, **kwargs: Any) -> str:
        """Record a DSC archive to publish when the plan is applied; returns its (planned) URL."""
        url = super().publish_archive(resource_group_name, archive, **kwargs)
        account = kwargs["storage_account_name"]
        container = kwargs.get("container_name", "windows-powershell-dsc")
        self._publishes[f"publish:{account}/{container}/{archive.name}".lower()] = (
            resource_group_name,
            account,
            container,
            archive,
        )
        return url

    # -- the steps ---------------------------------------------------------------------------------
    def _to_target(self, text: str) -> str:
        """Put a planned id in the target's subscription."""
        return re.sub(re.escape(self.subscription_id), self.target.subscription_id, text, flags=re.IGNORECASE)

    def steps(self) -> list[Step]:
        """Return the plan's steps, each with the keys of the steps it depends on."""
        steps: list[Step] = []
        sub = self.target.subscription_id
        for key, group in self._groups.items():
            steps.append(
                Step(
                    f"/subscriptions/{sub}/resourcegroups/{key}".lower(),
                    "put",
                    f"/subscriptions/{sub}/resourceGroups/{group['name']}",
                    "Microsoft.Resources/resourceGroups",
                    body=group["body"],
                    resource_group=group["name"],
                )
            )
        resources: list[RecordedResource] = self.recorded
        for resource in resources:
            rid = self._to_target(resource.id)
            body = json.loads(self._to_target(json.dumps(resource.body)))
            steps.append(Step(rid.lower(), "put", rid, resource.type, resource.api_version, body,
                              resource_group=resource.resource_group))  # fmt: skip
        for key, (rg, account, container, archive) in self._publishes.items():
            steps.append(Step(key, "publish", f"{account}/{container}/{archive.name}", "DSC archive",
                              artifact=archive, resource_group=rg))  # fmt: skip
        for path, rtype, api in self._deletes.values():
            rid = self._to_target(path) if path.startswith("/") else f"/subscriptions/{sub}/resourceGroups/{path}"
            steps.append(Step(rid.lower(), "delete", rid, rtype or _type_of(rid), api))
        self._link(steps)
        return _ordered(steps)

    def _link(self, steps: list[Step]) -> None:
        puts = [s for s in steps if s.kind == "put"]
        put_keys = {s.key for s in puts}
        accounts = {s.name.lower(): s.key for s in puts if s.type.lower() == "microsoft.storage/storageaccounts"}
        for step in steps:
            text = json.dumps(step.body).lower()
            # the ids a body names, and their parents; and the step's own parents (linear in the body's size)
            named = [step.key, *_ID_IN_TEXT.findall(text)] if step.key.startswith("/") else _ID_IN_TEXT.findall(text)
            for rid in named:
                for prefix in _prefixes(rid):
                    if prefix in put_keys and prefix != step.key:
                        step.depends_on.add(prefix)
            for name in _ENDPOINT_IN_TEXT.findall(text):  # its endpoint is known only once the account exists
                key = accounts.get(name)
                if key is not None and key != step.key:
                    step.depends_on.add(key)
            if step.kind == "publish":
                account = step.id.split("/", 1)[0].lower()
                if account in accounts:
                    step.depends_on.add(accounts[account])
                group = f"/subscriptions/{self.target.subscription_id}/resourcegroups/{step.resource_group}".lower()
                if any(s.key == group for s in puts):
                    step.depends_on.add(group)
            if step.kind == "put" and self._artifact_token in json.dumps(step.body):
                step.depends_on.update(s.key for s in steps if s.kind == "publish")

    # -- show --------------------------------------------------------------------------------------
    def show(self) -> PlanReport:
        """Compare every step with what exists in the target now (nothing is written): the script's ``-WhatIf``."""
        from .plan_apply import read_current

        changes = []
        for step in self.steps():
            if step.kind == "publish":
                from .plan_apply import published_already

                changes.append(Change(step, "no change" if published_already(self, step) else "publish"))
                continue
            current = read_current(self.target, step)
            if step.kind == "delete":
                changes.append(Change(step, "delete" if current is not None else "no change"))
            elif current is None:
                changes.append(Change(step, "create"))
            else:
                deltas = tuple(delta(self.desired(step), current))
                changes.append(Change(step, "modify" if deltas else "no change", deltas))
        return PlanReport(changes)

    def desired(self, step: Step) -> dict[str, Any]:
        """Return what the step sets, without the placeholders of values known only after apply."""
        from .templates.writer import strip_read_only

        body = strip_read_only(step.type, step.body) if step.type != "Microsoft.Resources/resourceGroups" else step.body
        return _without_placeholders(body, self._placeholders())

    def _placeholders(self) -> list[str]:
        """Values that are the private local Azure's and resolved only when applied."""
        marks = [self._artifact_token, KNOWN_AFTER_APPLY]
        for resource in self.recorded:
            if resource.type.lower() == "microsoft.storage/storageaccounts":
                marks.append(f"http://127.0.0.1:10000/{resource.id.rsplit('/', 1)[-1]}/")
        return marks

    # -- apply / rollback ------------------------------------------------------------------------------
    def apply(self, *, parallelism: int | None = None) -> ApplyResult:
        """Run the plan against the target (see :func:`azrm.plan_apply.apply`)."""
        from .plan_apply import apply

        return apply(self, parallelism=parallelism)

    def rollback(self, *, confirm: bool = True) -> list[str]:
        """Delete what the journal says this plan's runs created, newest dependants first; returns their ids.

        With ``confirm`` (the default) the list is printed first; nothing that existed before is deleted.
        """
        from .plan_apply import rollback

        return rollback(self, confirm=confirm)


def _without_placeholders(node: Any, marks: list[str]) -> Any:
    if isinstance(node, dict):
        return {
            k: _without_placeholders(v, marks)
            for k, v in node.items()
            if not (isinstance(v, str) and any(m in v for m in marks))
        }
    if isinstance(node, list):
        return [_without_placeholders(v, marks) for v in node]
    return node


#: a resource id in a JSON text (lower-cased), and a storage endpoint of the private local Azure
_ID_IN_TEXT = re.compile(r"/subscriptions/[^\"\s?#]+")
_ENDPOINT_IN_TEXT = re.compile(r"http://127\.0\.0\.1:10000/([a-z0-9]+)/")


def _prefixes(rid: str) -> list[str]:
    """Return an id and each of its ancestors' paths (cut at ``/`` boundaries)."""
    rid = rid.rstrip("/")
    out = [rid]
    cut = rid.rfind("/")
    while cut > 0:
        rid = rid[:cut]
        out.append(rid)
        cut = rid.rfind("/")
    return out


def _type_of(rid: str) -> str:
    parts = rid.split("/providers/", 1)
    if len(parts) < 2:
        return "Microsoft.Resources/resourceGroups"
    segments = parts[1].split("/")
    return segments[0] + "/" + "/".join(segments[1::2][: max(1, (len(segments) - 1) // 2)])


def _ordered(steps: list[Step]) -> list[Step]:
    """Return the steps in an order where each comes after what it depends on (stable otherwise)."""
    by_key = {s.key: s for s in steps}
    done: set[str] = set()
    out: list[Step] = []

    def visit(step: Step, trail: frozenset[str]) -> None:
        if step.key in done or step.key in trail:
            return
        for dep in sorted(step.depends_on):
            if dep in by_key:
                visit(by_key[dep], trail | {step.key})
        done.add(step.key)
        out.append(step)

    for step in steps:
        visit(step, frozenset())
    return out


def _default_journal() -> Path:
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script is not None and script.suffix == ".py" and script.exists():
        return script.with_name(script.stem + ".plan-journal.jsonl")
    return Path.cwd() / "azrm-plan-journal.jsonl"


def plan_session(target: Session, *, journal: str | os.PathLike[str] | None = None) -> PlanSession:
    """Return a :class:`PlanSession` for ``target``: run a script on it to plan, then ``show()``, ``apply()``.

    The script's calls write nothing; :meth:`PlanSession.apply` applies them to ``target`` (a session
    from :func:`azrm.connect` or :func:`azrm.local`) in parallel, with a journal (``journal=``, default
    beside the script) to resume or roll back. Like :func:`azrm.template_session`, it is a session of
    its own rather than a method of ``target``: planning sits above the session it plans for.
    """
    return PlanSession(target, journal=journal)
