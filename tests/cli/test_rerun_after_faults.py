"""The seed example as a user runs it under faults: a typed error (no traceback), then a re-run that resumes."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def seed_script(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"), "PYTHONPATH": str(ROOT)}
    for name in ("AZRM_ADMIN_PASSWORD", "AZRM_LOCAL_ENDPOINT"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "examples/seed_iaas_dsc.py", "--state", str(tmp_path / "seed.db"), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_a_failed_run_is_explained_and_the_re_run_resumes_with_the_kept_password(tmp_path: Path) -> None:
    failed = seed_script(tmp_path, "--faults", "rate=0.2,lro=0.5,seed=3")
    assert failed.returncode == 1, failed.stdout + failed.stderr[-3000:]
    assert "Traceback" not in failed.stderr
    assert re.search(r"^(AzureOperationError|StepError): .* failed", failed.stderr, re.M), failed.stderr[-3000:]
    assert "what to do: " in failed.stderr and "re-run the script" in failed.stderr
    kept = tmp_path / "config" / "azrm" / "passwords.json"
    (password,) = json.loads(kept.read_text()).values()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600

    again = seed_script(tmp_path)  # the same local Azure state, no faults, the password the first run kept
    assert again.returncode == 0, again.stderr[-3000:]
    assert re.search(r"^KNVM01\s+Microsoft.Compute/virtualMachines\s+Succeeded$", again.stdout, re.M), again.stdout
    assert "DSC: DSC configuration was applied successfully." in again.stdout
    assert list(json.loads(kept.read_text()).values()) == [password]  # the re-run used it, made no other
    assert password not in failed.stdout + failed.stderr + again.stdout + again.stderr
