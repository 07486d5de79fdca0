"""Small units of the library: rules, secrets, progress, the package's surface, connect()."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from pytest_mock import MockerFixture

import azrm
from azrm import _secrets, rules
from azrm.progress import LoggingReporter, SilentReporter, TerminalReporter, default_reporter


# -- rules ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("password", "os_type", "ok"),
    [
        ("S3cure!Passw0rd", "Windows", True),
        ("Abcdef1!", "Windows", True),
        ("Abc1!", "Windows", False),  # too short
        ("Abcde1", "Linux", True),  # Linux allows 6
        ("a" * 124 + "A1!", "Windows", False),  # too long
        ("alllowercase1", "Windows", False),  # two classes only
        ("P@ssw0rd", "Windows", False),  # a refused common password
        ("Tab\tBad1!", "Windows", False),  # a control character
    ],
)
def test_password_rule(password: str, os_type: str, ok: bool) -> None:
    assert (rules.password_problem(password, os_type) is None) is ok


@pytest.mark.parametrize(
    ("check", "value", "os_type", "ok"),
    [
        (rules.username_problem, "knadmin", "Windows", True),
        (rules.username_problem, "Administrator", "Windows", False),
        (rules.username_problem, "a" * 21, "Windows", False),
        (rules.username_problem, "a" * 21, "Linux", True),
        (rules.username_problem, "ends.", "Windows", False),
        (rules.username_problem, "9lives", "Linux", False),
        (rules.computer_name_problem, "KNVM01", "Windows", True),
        (rules.computer_name_problem, "sixteen-chars-xx", "Windows", False),
        (rules.computer_name_problem, "12345", "Windows", False),
        (rules.computer_name_problem, "web_01", "Windows", False),
        (rules.computer_name_problem, "web.example", "Linux", True),
        (rules.vm_name_problem, "KNVM01", "Windows", True),
        (rules.vm_name_problem, "a" * 16, "Windows", False),
        (rules.vm_name_problem, "a" * 64, "Linux", True),
        (rules.vm_name_problem, "_lead", "Linux", False),
        (rules.vm_name_problem, "trail-", "Linux", False),
        (rules.vm_name_problem, "a@b", "Linux", False),
    ],
)
def test_name_rules(check: Any, value: str, os_type: str, ok: bool) -> None:
    assert (check(value, os_type) is None) is ok


def test_single_argument_rules() -> None:
    assert rules.storage_account_name_problem("knstor5050") is None
    assert rules.storage_account_name_problem("Knstor5050") is not None
    assert rules.storage_account_name_problem("a" * 25) is not None
    assert rules.resource_group_name_problem("KN-RG_(test).01") is None
    assert rules.resource_group_name_problem("ends.") is not None
    assert rules.cidr_problem("10.0.0.0/24") is None
    assert "10.0.0.0/24" in (rules.cidr_problem("10.0.0.7/24") or "")


# -- secrets ----------------------------------------------------------------------------------------------
def test_registered_secrets_never_reach_log_records(caplog: pytest.LogCaptureFixture) -> None:
    secret = "Zq7!unique-canary-9431"
    _secrets.register(secret)
    _secrets.register("abc")  # too short to mask safely: ignored
    caplog.set_level(logging.DEBUG)
    log = logging.getLogger("anything.at.all")
    log.debug("body: %s", f'{{"adminPassword": "{secret}"}}')
    log.info(f"inline {secret}")
    log.warning("as bytes %r", secret.encode())
    log.error("in a dict %s", {"pw": secret})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert secret not in text and text.count(_secrets.MASK) == 4
    assert "abc" in _secrets.scrub("abc")


# -- progress ---------------------------------------------------------------------------------------------
def test_terminal_reporter_draws_and_summarises() -> None:
    stream = io.StringIO()
    reporter = TerminalReporter(stream)
    reporter.start("Creating virtual machine KNVM01")
    reporter.update("Creating virtual machine KNVM01", "InProgress", 12.4)
    reporter.finish("Creating virtual machine KNVM01", True, 30.2)
    out = stream.getvalue()
    assert "InProgress (12 s)" in out and out.endswith("ok  Creating virtual machine KNVM01 (30.2 s)\n")


def test_logging_reporter(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="azrm")
    reporter = LoggingReporter()
    reporter.start("Step")
    reporter.update("Step", "InProgress", 1)
    reporter.finish("Step", False, 2)
    assert [r.levelname for r in caplog.records] == ["INFO", "DEBUG", "WARNING"]
    assert "failed after 2.0 s" in caplog.records[-1].getMessage()


def test_default_reporter_off_a_terminal(mocker: MockerFixture) -> None:
    mocker.patch("sys.stderr.isatty", return_value=False)
    assert isinstance(default_reporter(), LoggingReporter)
    mocker.patch("sys.stderr.isatty", return_value=True)
    assert isinstance(default_reporter(), TerminalReporter)
    SilentReporter().start("nothing happens")


# -- the package's surface --------------------------------------------------------------------------------
def test_all_is_exactly_the_public_names() -> None:
    public = {name for name in dir(azrm) if not name.startswith("_")} | {"__version__"}
    assert set(azrm.__all__) == public
    assert len(azrm.__all__) == len(set(azrm.__all__))
    for name in azrm.__all__:
        value = getattr(azrm, name)
        if callable(value):
            assert value.__doc__, f"azrm.{name} has no docstring"


def test_import_azrm_is_light() -> None:
    code = textwrap.dedent(
        """
        import sys, time
        start = time.perf_counter()
        import azrm
        elapsed = time.perf_counter() - start
        heavy = sorted(m for m in sys.modules if m.startswith(("azure", "pydantic", "uvicorn")))
        print(elapsed, heavy)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    _, heavy = out.split(" ", 1)
    assert heavy.strip() == "[]"


# -- connect() --------------------------------------------------------------------------------------------
def test_connect_uses_the_cloud_and_default_credential(mocker: MockerFixture) -> None:
    fake = mocker.patch("azure.identity.DefaultAzureCredential")
    session = azrm.connect("00000000-0000-0000-0000-000000000001", cloud="AzureChinaCloud")
    fake.assert_called_once_with(authority="https://login.chinacloudapi.cn")
    assert session.arm_endpoint == "https://management.chinacloudapi.cn"
    assert session.credential_scopes == ["https://management.chinacloudapi.cn/.default"]
    assert session.subscription_id == "00000000-0000-0000-0000-000000000001"
    client = session.compute_client
    assert client._config.subscription_id == session.subscription_id
    with pytest.raises(azrm.ValidationError) as err:
        azrm.connect(cloud="Mars", credential=object())
    assert err.value.field == "cloud"


def test_subscription_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "env-sub")
    assert azrm.connect(credential=object()).subscription_id == "env-sub"


def test_only_visible_subscription(mocker: MockerFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID", raising=False)
    session = azrm.connect(credential=object())
    listing = mocker.patch.object(session, "_client")
    listing.return_value.subscriptions.list.return_value = [
        mocker.Mock(subscription_id="a"),
        mocker.Mock(subscription_id="b"),
    ]
    with pytest.raises(azrm.ValidationError) as err:
        session.subscription_id  # noqa: B018
    assert "2 subscriptions" in err.value.rule
    listing.return_value.subscriptions.list.return_value = [mocker.Mock(subscription_id="only")]
    assert session.subscription_id == "only"


def test_every_begin_operation_has_a_waiting_twin_with_the_same_parameters() -> None:
    """``new_x`` and ``begin_new_x`` take the same typed parameters (no ``**options`` that hide them)."""
    import inspect

    pairs = [(n, n.removeprefix("begin_")) for n in dir(azrm.Session) if n.startswith("begin_")]
    assert len(pairs) >= 10
    for begin, twin in pairs:
        waiting = getattr(azrm.Session, twin)
        assert inspect.signature(waiting).parameters == inspect.signature(getattr(azrm.Session, begin)).parameters, twin
        hidden = [p.name for p in inspect.signature(waiting).parameters.values() if p.kind is p.VAR_KEYWORD]
        # a template's own parameters are keyword arguments (PowerShell's dynamic parameters), not options
        assert hidden in ([], ["template_parameters"]), twin
        assert waiting.__doc__ and "``" in waiting.__doc__, twin
