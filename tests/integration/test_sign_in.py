"""Signing in to the local Entra ID with azure-identity's credentials, unchanged, and ARM's token checks.

Each flow gets a token from the local Azure's token service (over HTTPS, as MSAL insists) and uses it
with azure-mgmt-resource; bad tokens are refused with ARM's 401 codes and ``WWW-Authenticate`` header.
"""

from __future__ import annotations

import base64
import datetime
import json
from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import (
    CertificateCredential,
    ClientSecretCredential,
    DefaultAzureCredential,
    ManagedIdentityCredential,
)
from azure.mgmt.resource.resources import ResourceManagementClient

import azrm
from azrm.emulator import LocalAzure
from azrm.emulator.core.wire import Headers, Request
from azrm.emulator.entra import Principal

pytestmark = pytest.mark.slow
LOCATION = "westeurope"


@pytest.fixture(scope="module")
def running() -> Iterator[LocalAzure]:
    with LocalAzure(blob=False) as local:
        yield local


def _groups(local: LocalAzure, credential: Any) -> list[str]:
    """List the resource groups with ``credential``: ARM accepted its token when this returns."""
    client = ResourceManagementClient(
        credential, local.subscription_id, base_url=local.arm_endpoint, connection_verify=local.ca_bundle
    )
    return [g.name for g in client.resource_groups.list()]


def _options(local: LocalAzure) -> dict[str, Any]:
    return {"authority": local.arm_endpoint, "disable_instance_discovery": True, "connection_verify": local.ca_bundle}


def test_client_secret_credential(running: LocalAzure) -> None:
    emu = running.emulator
    assert emu is not None
    app, secret = emu.entra.directory.add_application("deployer")
    before = emu.entra.issued.get("client_credentials", 0)
    credential = ClientSecretCredential(emu.tenant_id, app.app_id, secret, **_options(running))
    assert isinstance(_groups(running, credential), list)
    assert emu.entra.issued["client_credentials"] == before + 1
    wrong = ClientSecretCredential(emu.tenant_id, app.app_id, "not-the-secret", **_options(running))
    with pytest.raises(ClientAuthenticationError, match="AADSTS7000215"):
        _groups(running, wrong)


def _self_signed() -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "azrm-test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem + cert.public_bytes(serialization.Encoding.PEM)


def test_certificate_credential(running: LocalAzure) -> None:
    emu = running.emulator
    assert emu is not None
    pem = _self_signed()
    cert_only = pem[pem.index(b"-----BEGIN CERTIFICATE-----") :]
    app, _ = emu.entra.directory.add_application("cert-app", certificate_pem=cert_only)
    credential = CertificateCredential(emu.tenant_id, app.app_id, certificate_data=pem, **_options(running))
    assert isinstance(_groups(running, credential), list)
    other = CertificateCredential(emu.tenant_id, app.app_id, certificate_data=_self_signed(), **_options(running))
    with pytest.raises(ClientAuthenticationError, match="AADSTS"):  # a certificate the app does not hold
        _groups(running, other)


def test_default_azure_credential_with_the_documented_variables(
    running: LocalAzure, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = running.info()
    for name, value in {
        "AZURE_TENANT_ID": info["tenant_id"],
        "AZURE_CLIENT_ID": info["client_id"],
        "AZURE_CLIENT_SECRET": info["client_secret"],
        "AZURE_AUTHORITY_HOST": running.arm_endpoint,
    }.items():
        monkeypatch.setenv(name, value)
    credential = DefaultAzureCredential(
        disable_instance_discovery=True,
        connection_verify=running.ca_bundle,
        exclude_managed_identity_credential=True,
        exclude_workload_identity_credential=True,
    )
    assert isinstance(_groups(running, credential), list)


def test_managed_identity_credential_over_imds_and_app_service(
    running: LocalAzure, monkeypatch: pytest.MonkeyPatch
) -> None:
    with azrm.local(reporter=azrm.SilentReporter(), blob=False) as az:
        local = az.local
        assert local is not None
        az.new_resource_group("mi", LOCATION)
        identity = az.new_user_assigned_identity("mi", "app-identity", LOCATION)
        env = az.managed_identity_environment(identity.id)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(local.ca_bundle))
        for flavour in ("imds", "app_service"):
            for name in ("AZURE_POD_IDENTITY_AUTHORITY_HOST", "IDENTITY_ENDPOINT", "IDENTITY_HEADER"):
                monkeypatch.delenv(name, raising=False)
            if flavour == "imds":
                monkeypatch.setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", env["AZURE_POD_IDENTITY_AUTHORITY_HOST"])
            else:
                monkeypatch.setenv("IDENTITY_ENDPOINT", env["IDENTITY_ENDPOINT"])
                monkeypatch.setenv("IDENTITY_HEADER", env["IDENTITY_HEADER"])
            credential = ManagedIdentityCredential(connection_verify=local.ca_bundle)
            token = credential.get_token("https://management.azure.com/.default").token
            claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
            assert claims["oid"] == identity.properties["principalId"], flavour
            assert claims["xms_mirid"].lower() == identity.id.lower()
            assert "mi" in _groups(local, credential)
        monkeypatch.setenv("IDENTITY_HEADER", "not-a-key")
        with pytest.raises(ClientAuthenticationError):
            ManagedIdentityCredential(connection_verify=local.ca_bundle).get_token(
                "https://management.azure.com/.default"
            )


def _arm_get(local: LocalAzure, token: str) -> Any:
    emu = local.emulator
    assert emu is not None
    path = f"/subscriptions/{emu.subscription_id}/resourcegroups?api-version=2022-09-01"
    return emu.handle(Request("GET", local.arm_endpoint + path, Headers({"Authorization": f"Bearer {token}"}), b""))


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("audience", "InvalidAuthenticationTokenAudience"),
        ("signature", "InvalidAuthenticationToken"),
        ("tenant", "InvalidAuthenticationTokenTenant"),
        ("garbage", "InvalidAuthenticationToken"),
    ],
)
def test_bad_tokens_get_arms_401(running: LocalAzure, case: str, code: str) -> None:
    emu = running.emulator
    assert emu is not None
    if case == "audience":
        token = emu.entra.issue_token(audience="https://vault.azure.net")
    elif case == "signature":
        head, body, sig = emu.entra.issue_token().split(".")
        token = ".".join([head, body, ("A" if sig[0] != "A" else "B") + sig[1:]])
    elif case == "tenant":
        stranger = Principal("11111111-2222-3333-4444-555555555555", "99999999-8888-7777-6666-555555555555", "App")
        token = emu.entra.issue_token(stranger)
    else:
        token = "not-a-jwt"
    resp = _arm_get(running, token)
    assert resp.status == 401
    assert resp.body["error"]["code"] == code
    challenge = resp.headers.get("WWW-Authenticate")
    assert challenge is not None and challenge.startswith("Bearer authorization_uri=")
    assert token not in json.dumps(resp.body) and token not in challenge


def test_expired_token_is_refused_and_an_azrm_session_signs_in_again() -> None:
    with azrm.local(clock="manual", reporter=azrm.SilentReporter(), blob=False) as az:
        emu = az.emulator
        assert emu is not None
        old = emu.entra.issue_token()
        az.new_resource_group("before", LOCATION)
        issued = emu.entra.issued.get("client_credentials", 0)
        az.advance(2 * 3600)  # past the tokens' hour, on the local clock only
        resp = _arm_get(az.local, old)
        assert resp.status == 401 and resp.body["error"]["code"] == "ExpiredAuthenticationToken"
        assert "is earlier than current UTC time" in resp.body["error"]["message"]
        # a plain SDK client renews by the wall clock: it sends its cached, now expired, token and gets the 401
        plain = ResourceManagementClient(
            az.credential, az.subscription_id, base_url=az.arm_endpoint, connection_verify=az.local.ca_bundle
        )
        with pytest.raises(ClientAuthenticationError, match="ExpiredAuthenticationToken"):
            plain.resource_groups.get("before")
        # azrm's session signs in again on ARM's answer, as it would on Azure when its token lapses
        assert az.new_resource_group("after", LOCATION).name == "after"
        assert emu.entra.issued["client_credentials"] > issued
