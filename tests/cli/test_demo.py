"""``make demo``'s script, run as a user runs it: the seed scenario end to end in a subprocess."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CANARY = "Canary!Pw0rd-4417"
pytestmark = pytest.mark.slow


def test_demo_runs_the_seed_scenario_and_never_prints_secrets() -> None:
    env = {**os.environ, "AZRM_ADMIN_PASSWORD": CANARY}
    env.pop("AZRM_LOCAL_ENDPOINT", None)
    done = subprocess.run(
        [sys.executable, "examples/seed_iaas_dsc.py", "--debug", "--remove"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    out = done.stdout
    for name, kind in [
        ("knstor5050", "Microsoft.Storage/storageAccounts"),
        ("vmvNic", "Microsoft.Network/publicIPAddresses"),
        ("KNVnet01", "Microsoft.Network/virtualNetworks"),
        ("vmvNic", "Microsoft.Network/networkInterfaces"),
        ("KNVM01", "Microsoft.Compute/virtualMachines"),
        # a child resource is listed under its full name, as Azure lists it
        ("KNVM01/Microsoft.Powershell.DSC", "Microsoft.Compute/virtualMachines/extensions"),
    ]:
        assert re.search(rf"^{re.escape(name)}\s+{re.escape(kind)}\s+Succeeded$", out, re.M), (name, out)
    assert "DSC: DSC configuration was applied successfully." in out
    assert "[WindowsFeature]IIS: in desired state" in out
    # --debug logs every HTTP request and response body; the secrets stay masked in all of it.
    assert "adminPassword" in done.stderr  # the VM body was logged...
    assert CANARY not in out + done.stderr  # ...without the password
    assert not re.search(r"sig=(?!\*{8})", out + done.stderr)  # SAS signatures masked
    keys = re.findall(r'"keyName":\s*"key[12]",\s*"value":\s*"([^"]*)"', done.stderr)
    assert keys and set(keys) == {"********"}  # listKeys answers were logged, with the keys masked


def test_vmss_demo_builds_the_farm_and_scales_it() -> None:
    env = {**os.environ, "AZRM_ADMIN_PASSWORD": CANARY}
    env.pop("AZRM_LOCAL_ENDPOINT", None)
    done = subprocess.run(
        [sys.executable, "examples/seed_vmss_web_farm.py", "--remove"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    out = done.stdout
    for name, kind in [
        ("web-nsg", "Microsoft.Network/networkSecurityGroups"),
        ("web-lb", "Microsoft.Network/loadBalancers"),
        ("webfarm", "Microsoft.Compute/virtualMachineScaleSets"),
        ("KNMGMT01", "Microsoft.Compute/virtualMachines"),
        ("webfarm-autoscale", "Microsoft.Insights/autoscaleSettings"),
    ]:
        assert re.search(rf"^{re.escape(name)}\s+{re.escape(kind)}\s+Succeeded$", out, re.M), (name, out)
    assert "DSC extension succeeded: 3" in out
    # which overprovisioned instances are kept is drawn per scale set; the first address and NAT port are not
    assert re.search(r"webfarm_\d+\s+web0000[0-9A-Z]{2}\s+Succeeded\s+10\.0\.0\.4\s+[\d.]+:50000$", out, re.M)
    assert "capacity now 6" in out and "capacity now 2" in out
    assert re.search(r"^\s+\d\d:\d\d\s+3 -> 4: Percentage CPU average over PT5M was 85, GreaterThan 70$", out, re.M)
    assert CANARY not in out + done.stderr


def test_templates_demo_previews_then_deploys_the_linked_templates() -> None:
    env = {**os.environ, "AZRM_ADMIN_PASSWORD": CANARY}
    env.pop("AZRM_LOCAL_ENDPOINT", None)
    done = subprocess.run(
        [sys.executable, "examples/seed_linked_templates/deploy.py", "--remove"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    out = done.stdout
    assert "Resource changes: 6 to create." in out
    assert "+ Microsoft.Compute/virtualMachines/KNVM01 [2024-07-01]" in out
    assert "Deployment seed: Succeeded" in out
    for deployment, name, kind in [
        ("seed", "KNVM01", "Microsoft.Compute/virtualMachines"),
        ("seed", "storage", "Microsoft.Resources/deployments"),
        ("storage", "", "Microsoft.Storage/storageAccounts"),
        ("network", "KNVnet01", "Microsoft.Network/virtualNetworks"),
    ]:
        assert re.search(rf"^{deployment}\s+{re.escape(name)}\S*\s+{re.escape(kind)}\s+Succeeded$", out, re.M), kind
    assert "DSC: DSC configuration was applied successfully." in out
    assert '~ properties.hardwareProfile.vmSize: "Standard_A2" => "Standard_A3"' in out
    assert "Resource changes: 1 to modify, 5 no change." in out
    assert CANARY not in out + done.stderr
    assert not re.search(r"sig=(?!\*{8})", out + done.stderr)


def _container_tools_missing() -> str | None:
    from azrm.emulator.distribution import RegistryMissing, find_registry
    from azrm.emulator.podman import EngineMissing, find_podman

    try:
        find_podman()
        find_registry()
    except (EngineMissing, RegistryMissing) as exc:
        return str(exc)
    return None


@pytest.mark.skipif(_container_tools_missing() is not None, reason=_container_tools_missing() or "")
def test_containers_demo_builds_tests_tags_and_deploys() -> None:
    env = dict(os.environ)
    env.pop("AZRM_LOCAL_ENDPOINT", None)
    done = subprocess.run(
        [sys.executable, "examples/seed_containers.py", "--remove"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    out = done.stdout
    assert re.search(r"^\s+app\s+v1\s+sha256:[0-9a-f]{12}\s+5\s+[\d,]+$", out, re.M), out  # 2 base + 2 web + 1 app
    assert "docker search web: ['web']" in out
    assert re.search(r"Running: http://127\.[\d.]+:8080/ answers '<h1>azrm shop</h1><p>version 1</p>'", out)
    assert "docker exec app site-files: ['index.html', 'layer.txt']" in out
    assert "docker commit: Azure Container Instances cannot turn a running container into an image" in out
    assert "Tested app:v2 in app-test: '<h1>azrm shop</h1><p>version 2</p>'" in out
    assert re.search(r"Deployed: http://127\.[\d.]+:8080/ answers '<h1>azrm shop</h1><p>version 2</p>'", out)
    assert "job: Exited (3); its output: 'checking'" in out
    assert re.search(r"^\s+app\s+Exited \(137\)", out, re.M)
    assert re.search(r"^app\s+Microsoft\.ContainerInstance/containerGroups\s+Succeeded$", out, re.M)


def test_containers_demo_says_what_to_install_without_podman(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{tmp_path}:{Path(sys.executable).parent}"}
    env.pop("AZRM_PODMAN", None)
    env.pop("AZRM_LOCAL_ENDPOINT", None)
    busybox = shutil.which("busybox")
    if busybox:
        (tmp_path / "busybox").symlink_to(busybox)
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "seed_containers.py")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "apt-get install" in done.stdout + done.stderr and "podman" in done.stdout + done.stderr
