"""Plans: an unchanged script planned, shown, applied in parallel, re-run, resumed and rolled back.

Against the local Azure over HTTPS (the real SDK, real Azurite for the DSC archive).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import azrm
from azrm.emulator import LocalAzure
from tests.conftest import load_example

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Plan!Passw0rd-2026"
seed = load_example("seed_iaas_dsc")
RG = "KNRGTest01"


@pytest.fixture
def az(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.chdir(ROOT / "examples")  # the seed script reads webdsc.ps1 beside it
    with azrm.local(reporter=azrm.SilentReporter(), location="westeurope") as session:
        yield session


def provision(az: Any, *, vm_size: str = "Standard_A2", storage: str = "knstor5050") -> None:
    seed.provision(az, location="westeurope", storage_name=storage, password=PASSWORD)
    if vm_size != "Standard_A2":  # a second version of the script: a bigger VM
        vm = az.get_vm(RG, "KNVM01")
        vm.hardware_profile.vm_size = vm_size
        az.compute_client.virtual_machines.begin_create_or_update(RG, "KNVM01", vm).result()


def writes(az: Any) -> int:
    counts = az.emulator.requests_by_method
    return counts["PUT"] + counts["PATCH"] + counts["DELETE"] + counts["POST"]


def planned(az: Any, journal: Path, **kwargs: Any) -> Any:
    plan = azrm.plan_session(az, journal=journal)
    with plan:
        provision(plan, **kwargs)
    return plan


def test_plan_show_apply_and_a_rerun_that_writes_nothing(az: Any, tmp_path: Path) -> None:
    before = writes(az)
    plan = planned(az, tmp_path / "journal.jsonl")
    assert writes(az) == before  # planning wrote nothing to the target
    steps = {s.name: s for s in plan.steps()}
    assert steps["KNVM01"].depends_on >= {steps["vmvNic"].key}  # the NIC before the VM
    dsc = steps["Microsoft.Powershell.DSC"]
    assert steps["webdsc.ps1.zip"].key in dsc.depends_on and steps["KNVM01"].key in dsc.depends_on
    report = plan.show()
    assert report.counts() == {"create": 7, "publish": 1}
    assert PASSWORD not in str(report) + json.dumps([c.deltas for c in report.changes])

    result = plan.apply(parallelism=4)
    assert result.ok and result.counts() == {"made": 7, "published": 1}
    status = az.get_vm_dsc_extension_status(RG, "KNVM01")
    assert status.statuses[0].message == "DSC configuration was applied successfully."
    journal = (tmp_path / "journal.jsonl").read_text()
    assert PASSWORD not in journal and "sig=" not in journal
    events = [json.loads(line)["event"] for line in journal.splitlines()]
    assert events.count("succeeded") == 8 and events[0] == "apply" and events[-1] == "applied"

    again = planned(az, tmp_path / "journal.jsonl")
    assert {c.action for c in again.show().changes} <= {"no change", "publish"}
    before = az.emulator.requests_by_method["PUT"] + az.emulator.requests_by_method["DELETE"]
    rerun = again.apply()
    assert rerun.counts() == {"unchanged": 8}  # the archive already published included
    assert az.emulator.requests_by_method["PUT"] + az.emulator.requests_by_method["DELETE"] == before


def test_show_lists_a_modification_with_its_delta_and_apply_makes_it(az: Any, tmp_path: Path) -> None:
    planned(az, tmp_path / "j.jsonl").apply()
    bigger = planned(az, tmp_path / "j.jsonl", vm_size="Standard_A3")
    changes = {c.step.name: c for c in bigger.show().changes}
    vm = changes["KNVM01"]
    assert vm.action == "modify"
    assert vm.deltas == (("properties.hardwareProfile.vmSize", "Standard_A2", "Standard_A3"),)
    assert {c.action for n, c in changes.items() if n not in ("KNVM01", "webdsc.ps1.zip")} == {"no change"}
    result = bigger.apply()
    assert {o.step.name: o.status for o in result.outcomes}["KNVM01"] == "changed"
    assert az.get_vm(RG, "KNVM01").hardware_profile.vm_size == "Standard_A3"


def test_a_failed_step_fails_its_dependants_only_then_resume_and_rollback(az: Any, tmp_path: Path) -> None:
    # the storage account's name is taken on the target (another group): Azure refuses it for good
    az.new_resource_group("other", "westeurope")
    az.new_storage_account("other", "knstor5050", location="westeurope")
    plan = planned(az, tmp_path / "j.jsonl")
    with pytest.raises(azrm.PlanApplyError) as err:
        plan.apply()
    status = {o.step.name: o.status for o in err.value.result.outcomes}
    assert status["knstor5050"] == "failed"
    # the VM's OS disk is a VHD in the account (its endpoint is known once it exists): it waits, as the archive does
    assert status["webdsc.ps1.zip"] == status["Microsoft.Powershell.DSC"] == status["KNVM01"] == "not started"
    assert status["KNVnet01"] == "made" and status["vmvNic"] == "made"  # the independent branch finished
    assert "StorageAccountAlreadyExists" in str(err.value) and "correlation id" in str(err.value)
    # one exception per failed step (an exception group), each naming the resource and ARM's answer
    (failure,) = err.value.exceptions
    assert isinstance(failure, azrm.StepError) and failure.arm_code == "StorageAccountAlreadyExists"
    assert failure.resource_id is not None and failure.resource_id.endswith("/storageAccounts/knstor5050")
    assert failure.correlation_id and any(i.endswith("/virtualNetworks/KNVnet01") for i in failure.existing)
    if sys.version_info >= (3, 11):
        assert "BaseExceptionGroup" in {c.__name__ for c in type(err.value).__mro__}  # except* StepError works

    az.remove_resource_group("other")  # the cause is gone: resume
    before = az.emulator.requests_by_method["PUT"]
    resumed = planned(az, tmp_path / "j.jsonl").apply()
    made = {o.step.name for o in resumed.outcomes if o.status in ("made", "published")}
    assert made == {"knstor5050", "KNVM01", "webdsc.ps1.zip", "Microsoft.Powershell.DSC"}  # nothing redone
    assert az.emulator.requests_by_method["PUT"] - before == 3  # the account, the VM and the extension
    deleted = planned(az, tmp_path / "j.jsonl").rollback(confirm=False)
    assert len(deleted) == 1 and deleted[0].endswith("/resourceGroups/KNRGTest01")  # the group it created
    assert [g.name for g in az.list_resource_groups()] == []


def test_rollback_keeps_what_existed_before(az: Any, tmp_path: Path) -> None:
    az.new_resource_group(RG, "westeurope")
    az.new_public_ip_address(RG, "vmvNic", location="westeurope")  # existed before the plan
    plan = planned(az, tmp_path / "j.jsonl")
    assert {c.step.name: c.action for c in plan.show().changes}["KNRGTest01"] == "no change"
    plan.apply()
    deleted = plan.rollback(confirm=False)
    names = {d.rsplit("/", 1)[-1] for d in deleted}
    assert not any(d.endswith(f"/resourceGroups/{RG}") or "/publicIPAddresses/" in d for d in deleted)
    assert {"KNVM01", "knstor5050", "KNVnet01", "vmvNic"} <= names  # vmvNic: the NIC the plan made
    left = [(r.type, r.name) for r in az.list_resources(RG)]
    assert left == [("Microsoft.Network/publicIPAddresses", "vmvNic")]


SCRIPT = """
import importlib.util, os, sys
import azrm
spec = importlib.util.spec_from_file_location("seed", sys.argv[1]); seed = importlib.util.module_from_spec(spec)
spec.loader.exec_module(seed)
with azrm.local(reporter=azrm.SilentReporter(), location="westeurope") as az:
    plan = azrm.plan_session(az, journal=sys.argv[2])
    with plan:
        seed.provision(plan, location="westeurope", storage_name="knstor5050", password=os.environ["PW"])
    plan.apply(parallelism=1)
"""


def test_the_journal_survives_a_killed_process_and_the_run_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT / "examples")
    journal = tmp_path / "killed.jsonl"
    settings = azrm.emulator.EmulatorSettings(latency=azrm.emulator.core.latency.Latency.parse("0.02"))
    with LocalAzure(settings) as local:
        env = {**os.environ, "AZRM_LOCAL_ENDPOINT": json.dumps(local.info()), "PW": PASSWORD}
        script = tmp_path / "apply.py"
        script.write_text(SCRIPT)
        child = subprocess.Popen(
            [sys.executable, str(script), str(ROOT / "examples" / "seed_iaas_dsc.py"), str(journal)],
            cwd=ROOT / "examples", env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = journal.read_text().count('"succeeded"') if journal.exists() else 0
            if done >= 3 or child.poll() is not None:
                break
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait()
        finished = journal.read_text().count('"succeeded"')
        assert 3 <= finished < 8, child.stderr.read().decode()[-2000:] if child.stderr else ""
        monkeypatch.setenv("AZRM_LOCAL_ENDPOINT", json.dumps(local.info()))
        with azrm.local(reporter=azrm.SilentReporter(), location="westeurope") as az:
            plan = planned(az, journal)
            resumed = plan.apply()
            assert resumed.ok
            redone = [o.step.name for o in resumed.outcomes if o.status == "made"]
            assert len(redone) <= 8 - finished  # what finished before the kill is not redone
            assert az.get_vm_dsc_extension_status(RG, "KNVM01").statuses[0].message.startswith("DSC configuration")
            deleted = plan.rollback(confirm=False)
            assert [d.rsplit("/", 1)[-1] for d in deleted] == [RG]


def test_injected_faults_give_a_partial_report_and_a_resume_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from azrm.emulator.core.faults import FaultPlan

    monkeypatch.chdir(ROOT / "examples")
    # short backoffs: the retries' waits are real sleeps, and what is tested is the report and the resume
    fast = {"retry_backoff_factor": 0.05, "retry_backoff_max": 0.5}
    with azrm.local(
        reporter=azrm.SilentReporter(), location="westeurope", faults="rate=0.1,lro=0.3,seed=4", **fast
    ) as az:
        journal = tmp_path / "faults.jsonl"
        with pytest.raises(azrm.PlanApplyError) as err:
            planned(az, journal).apply()
        first = {o.step.key: o.status for o in err.value.result.outcomes}
        failed = [o for o in err.value.result.outcomes if o.status == "failed"]
        assert failed and all("InternalExecutionError" in str(o.error) for o in failed)
        assert set(first.values()) <= {"made", "published", "failed", "not started"}
        az.emulator.faults.plan = FaultPlan()  # the faults pass
        resumed = planned(az, journal).apply()
        assert resumed.ok
        for outcome in resumed.outcomes:
            if first[outcome.step.key] == "made":
                assert outcome.status == "unchanged"  # not redone
        assert az.get_vm_dsc_extension_status(RG, "KNVM01").statuses[0].message.startswith("DSC configuration")


def test_the_web_farm_script_plans_applies_and_reruns_with_no_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    farm = load_example("seed_vmss_web_farm")
    monkeypatch.chdir(ROOT / "examples")
    options = {"location": "westeurope", "storage_name": "knwebplan01", "password": PASSWORD, "dns_label": "knwebplan"}
    with azrm.local(reporter=azrm.SilentReporter(), location="westeurope") as az:
        plan = azrm.plan_session(az, journal=tmp_path / "farm.jsonl")
        with plan:
            farm.provision(plan, **options)
        assert plan.show().counts() == {"create": 11, "publish": 1}
        result = plan.apply()
        assert result.ok and result.counts() == {"made": 11, "published": 1}
        assert az.get_vmss(farm.RG_NAME, "webfarm").sku.capacity == 3
        again = azrm.plan_session(az, journal=tmp_path / "farm.jsonl")
        with again:
            farm.provision(again, **options)
        assert again.show().counts() == {"no change": 12}


def test_values_azure_makes_up_are_known_after_apply(az: Any, tmp_path: Path) -> None:
    def script(session: Any) -> Any:
        provision(session)
        vm = session.get_vm(RG, "KNVM01")
        tags = {"vm": vm.vm_id}  # only Azure knows it: the tagged IP waits for the VM and gets the real one
        body = {"location": "westeurope", "tags": tags, "properties": {"publicIPAllocationMethod": "Static"}}
        session.network_client.public_ip_addresses.begin_create_or_update(RG, "tagged-ip", body).result()
        return vm

    plan = azrm.plan_session(az, journal=tmp_path / "j.jsonl")
    with plan:
        vm = script(plan)
    assert vm.vm_id.startswith("(known after apply: /subscriptions/") and vm.vm_id.endswith("#properties.vmId)")
    steps = {s.name: s for s in plan.steps()}
    assert steps["KNVM01"].key in steps["tagged-ip"].depends_on
    assert "tagged-ip" in str(plan.show())
    plan.apply()
    real = az.get_vm(RG, "KNVM01").vm_id
    assert real and not real.startswith("(known")
    assert az.network_client.public_ip_addresses.get(RG, "tagged-ip").tags == {"vm": real}

    again = azrm.plan_session(az, journal=tmp_path / "j.jsonl")
    with again:
        script(again)
    assert again.show().counts() == {"no change": 9}  # a mark is not a difference
