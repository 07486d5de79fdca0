"""The reliability campaign: the seed and web-farm scenarios under the local Azure's faults.

For each scenario (the examples' own ``provision`` functions, over HTTPS, on the run's Azurite):

- ``rate=0.1``: 10 seeds, every run succeeds (azrm's retries absorb every transient fault);
- ``rate=0.3,lro=0.05``: every run succeeds or fails with an azrm error (never a raw SDK exception);
  then the faults are switched off on the same local Azure and the script is run again, with the
  password the example kept (``azrm.remembered_password``): it converges to the state of a clean
  run, compared resource by resource (and blob by blob).

Seeds: ``AZRM_CAMPAIGN_SEEDS`` (default 10) at rate 0.1, ``AZRM_CAMPAIGN_HEAVY_SEEDS`` (default 10)
at rate 0.3. Backoff waits are shortened (``retry_backoff_factor=0.05``) so that the campaign stays
within its time budget; the budgets (how many retries) and ``Retry-After`` waits are azrm's defaults.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

import azrm
from azrm.emulator import Emulator, EmulatorSettings, FaultPlan
from azrm.emulator.azurite import Azurite, BlobPlane
from azrm.emulator.core.server import ArmServer
from azrm.emulator.core.tls import Certificates
from tests.conftest import LOCATION, Azure, _cleanup_azurite, load_example, session_on

ROOT = Path(__file__).resolve().parents[2]
SEEDS = int(os.environ.get("AZRM_CAMPAIGN_SEEDS", "10"))
HEAVY_SEEDS = int(os.environ.get("AZRM_CAMPAIGN_HEAVY_SEEDS", "10"))
CLEAN_PASSWORD = "Cl3an!Passw0rd-Run"
PARALLEL = int(os.environ.get("AZRM_CAMPAIGN_PARALLEL", "5"))
FAST = {"retry_backoff_factor": 0.05}
T = TypeVar("T")


SEED = load_example("seed_iaas_dsc")
FARM = load_example("seed_vmss_web_farm")


@dataclass
class Run:
    """One local Azure, its own HTTPS server, and a session on it."""

    emu: Emulator
    server: ArmServer
    az: Any
    storage: str

    def provision(self, scenario: str, password: str) -> None:
        if scenario == "seed":
            SEED.provision(self.az, location=LOCATION, storage_name=self.storage, password=password)
        else:
            FARM.provision(
                self.az, location=LOCATION, storage_name=self.storage, password=password, dns_label="kncampweb"
            )


@pytest.fixture
def start(azurite: Azurite, certs: Certificates) -> Iterator[Callable[[str, FaultPlan], Run]]:
    made: list[Run] = []
    lock = threading.Lock()

    def make(scenario: str, plan: FaultPlan) -> Run:
        emu = Emulator(EmulatorSettings(faults=plan), blob=BlobPlane(azurite))
        server = ArmServer(emu, tls=certs).start()  # one each: the runs of a test go at once (they mostly sleep)
        az = session_on(Azure(emu, "http", server, str(certs.ca)))
        az.client_options.update(FAST)
        run = Run(emu, server, az, f"kn{scenario}{secrets.token_hex(4)}")
        with lock:
            made.append(run)
        return run

    yield make
    for run in made:
        run.az.close()
        run.server.stop()
        _cleanup_azurite(run.emu)
        run.emu.close()


def each_seed(seeds: range, play: Callable[[int], T]) -> list[T]:
    """Play the runs of ``seeds`` at once, in threads: they spend most of their time waiting out Retry-After."""
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return list(pool.map(play, seeds))


# -- the state, resource by resource -----------------------------------------------------------------
# What differs between two correct runs is masked: GUIDs, random suffixes (disk names, DNS suffixes), times,
# addresses, and a scale set's instance ids (Azure's are not contiguous: the local Azure draws them too).
_VOLATILE = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,}|\d{4}-\d\d-\d\dT[\d:.+]+Z?"
    r"|\d+\.\d+\.\d+\.\d+|([0-9a-f]{2}-){5}[0-9a-f]{2}|[0-9a-z]{26}(?=\.\w+\.internal\.cloudapp\.net)"
    r"|(?<=virtualmachines/)\d+|(?<=_)\d+(?=_osdisk)",
    re.I,
)
_TIMES = {"etag", "timecreated", "creationtime", "time", "lastmodifiedtime", "starttime", "endtime"}
_INSTANCE = {"name", "instanceid", "computername"}  # of a scale set's instance: follow from its drawn id


def _shape(value: Any, path: str = "", instance: bool = False) -> set[str]:
    """Every key path of a body with its scalar values, volatile values masked."""
    if isinstance(value, dict):
        out: set[str] = set()
        for k, v in value.items():
            if k.lower() in _TIMES or (instance and k.lower() in _INSTANCE):
                continue
            out |= _shape(v, f"{path}.{k}", instance)
        return out
    if isinstance(value, list):
        out = {f"{path}[]#{len(value)}"}
        for item in value:
            out |= _shape(item, f"{path}[]", instance)
        return out
    return {f"{path}={_VOLATILE.sub('*', str(value))}"}


def final_state(run: Run) -> dict[str, list[str]]:
    """Every resource of the local Azure (masked id -> the shapes of the resources with it) and every blob."""
    state: dict[str, list[str]] = {}
    for record in run.emu.store:
        rid = _VOLATILE.sub("*", record.id.lower().replace(run.storage, "<storage>"))
        instance = record.type.lower().endswith("virtualmachinescalesets/virtualmachines")
        shape = sorted(s.replace(run.storage, "<storage>") for s in _shape(record.body, instance=instance))
        state.setdefault(rid, []).append("\n".join(shape))
    for account in run.emu.store.of_type("Microsoft.Storage/storageAccounts"):
        group = account.id.split("/")[4]
        service = run.az.blob_service(group, account.name)
        for container in service.list_containers():
            blobs = service.get_container_client(container.name).list_blobs()
            state[f"blobs:{container.name}"] = sorted(f"{b.name} {b.blob_type} {b.size}" for b in blobs)
    return {rid: sorted(shapes) for rid, shapes in state.items()}


_CLEAN: dict[str, dict[str, list[str]]] = {}


def clean_state(start: Callable[[str, FaultPlan], Run], scenario: str) -> dict[str, list[str]]:
    """The state a run without faults leaves (made once per worker)."""
    if scenario not in _CLEAN:
        run = start(scenario, FaultPlan())
        run.provision(scenario, CLEAN_PASSWORD)
        _CLEAN[scenario] = final_state(run)
    return _CLEAN[scenario]


def differences(got: dict[str, list[str]], want: dict[str, list[str]]) -> list[str]:
    """What a run's state lacks or has more than a clean run's, resource by resource."""
    out = [f"missing {rid}" for rid in sorted(want.keys() - got.keys())]
    out += [f"extra {rid}" for rid in sorted(got.keys() - want.keys())]
    for rid in sorted(want.keys() & got.keys()):
        if got[rid] != want[rid]:
            lacks = {line for shape in want[rid] for line in shape.splitlines()}
            has = {line for shape in got[rid] for line in shape.splitlines()}
            out.append(
                f"{rid} ({len(got[rid])} vs {len(want[rid])}): lacks {sorted(lacks - has)[:4]}, has {sorted(has - lacks)[:4]}"
            )
    return out


# -- the campaign -----------------------------------------------------------------------------------------
# One test per scenario and fault level, over the seeds: the seed scenario makes about 20 requests, so a
# single seed may draw no fault at rate 0.1; the assertion that faults were absorbed is over the seeds.
@pytest.mark.parametrize("scenario", ["seed", "farm"])
def test_transient_faults_are_absorbed(start: Callable[[str, FaultPlan], Run], scenario: str) -> None:
    want = clean_state(start, scenario)

    def play(seed: int) -> dict[str, int]:
        run = start(scenario, FaultPlan(rate=0.1, seed=seed))
        run.provision(scenario, CLEAN_PASSWORD)  # any exception fails the test: every fault must be absorbed
        found = differences(final_state(run), want)
        assert not found, f"seed {seed}: " + "\n".join(found)
        return {**run.emu.faults.injected, "requests": run.emu.requests_served}

    absorbed: dict[str, int] = {}
    for figures in each_seed(range(SEEDS), play):
        for kind, count in figures.items():
            absorbed[kind] = absorbed.get(kind, 0) + count
    requests = absorbed.pop("requests")
    assert sum(absorbed.values()) >= SEEDS, "too few faults drawn to prove anything"
    print(f"\ncampaign rate=0.1 {scenario}: {SEEDS} runs succeeded, absorbed {absorbed} in {requests} requests")


@pytest.mark.parametrize("scenario", ["seed", "farm"])
def test_heavy_faults_fail_typed_and_a_rerun_converges(
    start: Callable[[str, FaultPlan], Run], scenario: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))  # where the example keeps its password: not the real home
    monkeypatch.delenv("AZRM_ADMIN_PASSWORD", raising=False)
    example = SEED if scenario == "seed" else FARM
    want = clean_state(start, scenario)
    first = example.admin_password(start(scenario, FaultPlan()).az)  # generated and kept, before the runs race

    def play(seed: int) -> tuple[str, dict[str, int]]:
        run = start(scenario, FaultPlan(rate=0.3, lro_rate=0.05, seed=seed))
        outcome = "succeeded"
        password = example.admin_password(run.az)
        assert password == first
        try:
            run.provision(scenario, password)
        except azrm.AzrmError as err:  # typed: AzureOperationError, or a StepError naming what exists
            outcome = f"{type(err).__name__}({getattr(err, 'arm_code', None) or 'step'})"
            if isinstance(err, azrm.AzureOperationError):
                assert err.transient and "re-run the script" in str(err), str(err)
        except Exception as err:  # the point of the campaign: no raw exception reaches the user
            pytest.fail(f"seed {seed}: a raw {type(err).__module__}.{type(err).__name__} reached the user: {err}")
        injected = dict(run.emu.faults.injected)
        run.emu.faults.plan = FaultPlan()  # the faults stop; the same local Azure, state and all
        run.provision(scenario, example.admin_password(run.az))  # with the password the first run kept
        found = differences(final_state(run), want)
        assert not found, f"seed {seed}: the re-run did not converge: " + "\n".join(found)
        return outcome, injected

    outcomes: dict[str, int] = {}
    injected: dict[str, int] = {}
    for outcome, figures in each_seed(range(100, 100 + HEAVY_SEEDS), play):
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        for kind, count in figures.items():
            injected[kind] = injected.get(kind, 0) + count
    assert sum(injected.values()) >= 3 * HEAVY_SEEDS
    print(
        f"\ncampaign rate=0.3,lro=0.05 {scenario}: {HEAVY_SEEDS} runs: {outcomes}; injected {injected}; re-runs converged"
    )
