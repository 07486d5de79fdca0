"""How Microsoft.Storage's older api-versions shape storage accounts.

Before 2016-01-01 (2015-05-01-preview, 2015-06-15) an account had no ``sku`` and no ``kind``: its
replication was ``properties.accountType`` (``Standard_LRS``...) and every account was what later
became kind ``Storage``. Such a request is read into today's model, and the answer goes back in that
shape, with only the properties that version had. ``listKeys`` answered ``{"key1", "key2"}`` then,
not today's ``{"keys": [...]}``.
"""

from __future__ import annotations

from typing import Any

from ...core.versions import Shape, pop_member

SA_TYPE = "Microsoft.Storage/storageAccounts"
#: the first api-version with ``sku`` / ``kind`` and the ``keys`` list
SKU_ERA = "2016-01-01"
#: what a 2015 account's properties held
_PROPERTIES_2015 = (
    "provisioningState",
    "accountType",
    "primaryEndpoints",
    "primaryLocation",
    "statusOfPrimary",
    "lastGeoFailoverTime",
    "secondaryLocation",
    "statusOfSecondary",
    "creationTime",
    "customDomain",
    "secondaryEndpoints",
)


def account_in(body: dict[str, Any]) -> dict[str, Any]:
    """Read a 2015 account request: ``properties.accountType`` is the sku, the kind is ``Storage``."""
    props = body.get("properties")
    account_type = pop_member(props, "accountType") if isinstance(props, dict) else None
    if account_type is not None and not body.get("sku"):
        body["sku"] = {"name": account_type}
    if not body.get("kind"):
        body["kind"] = "Storage"
    return body


def account_out(body: dict[str, Any]) -> dict[str, Any]:
    """Answer in the 2015 shape: ``accountType`` in the properties, no ``sku`` or ``kind``."""
    out = {k: v for k, v in body.items() if k not in ("sku", "kind")}
    props = body.get("properties") or {}
    old = {k: v for k, v in props.items() if k in _PROPERTIES_2015}
    if body.get("sku"):
        old["accountType"] = body["sku"].get("name")
    endpoints = old.get("primaryEndpoints")
    if isinstance(endpoints, dict):  # 2015 accounts listed blob, queue, table and file
        old["primaryEndpoints"] = {k: v for k, v in endpoints.items() if k in ("blob", "queue", "table", "file")}
    out["properties"] = old
    return out


def keys_out(version: str, body: dict[str, Any]) -> dict[str, Any]:
    """Return ``listKeys``' answer in the shape of ``version``."""
    if version[:10] >= SKU_ERA:
        return body
    return {k["keyName"]: k["value"] for k in body.get("keys", [])}


SHAPES = (
    Shape(
        SA_TYPE,
        SKU_ERA,
        account_in,
        account_out,
        "accountType instead of sku; no kind",
    ),
)
