"""The seed's ``--password-from-key-vault``: the VM's admin password is kept in a key vault and read from it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LOCATION, Azure, load_example

ROOT = Path(__file__).resolve().parents[2]
seed = load_example("seed_iaas_dsc")


def test_vm_password_comes_from_the_vault(
    lib: Any, azure: Azure, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT / "examples")
    password = seed.password_from_key_vault(lib, location=LOCATION)
    vault_name = seed.key_vault_name(lib)
    stored = lib.get_key_vault_secret(vault_name, seed.VAULT_SECRET)
    assert stored.get_secret_value() == password and stored.content_type == "password"

    seed.provision(lib, location=LOCATION, storage_name="knstorkv", password=password)
    vm = lib.get_vm(seed.RG_NAME, seed.VM_NAME)
    assert vm.os_profile.admin_username == "knadmin" and vm.os_profile.admin_password is None  # never returned
    record = azure.emu.store.get(vm.id)
    assert record is not None and record.secrets["adminPassword"] == password  # the VM got the vault's value

    assert seed.password_from_key_vault(lib, location=LOCATION) == password  # a re-run reads the same secret
    out = capsys.readouterr().out
    assert f"VM admin password: from key vault {vault_name}, secret {seed.VAULT_SECRET}" in out
    assert password not in out


def test_demo_flag_runs_end_to_end(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": str(tmp_path)}
    env.pop("AZRM_LOCAL_ENDPOINT", None)
    run = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "seed_iaas_dsc.py"), "--password-from-key-vault", "--remove"],
        cwd=ROOT / "examples",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "VM admin password: from key vault knkv" in run.stdout
    assert "Microsoft.KeyVault/vaults" in run.stdout and "VM KNVM01: Provisioning succeeded" in run.stdout
    assert not (tmp_path / "azrm" / "passwords.json").exists()  # not the remembered password
