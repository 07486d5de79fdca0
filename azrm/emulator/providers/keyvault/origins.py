"""Each vault's own origin: the ``vaultUri`` its data plane answers on.

azure-keyvault-secrets rebuilds the vault URL from a secret's id as ``scheme://host[:port]``, so a
vault cannot live under a path of the ARM endpoint: it needs an origin of its own (research notes,
section 6.2). While an HTTPS server serves the emulator (``emu.origins``, see
:class:`~azrm.emulator.core.server.ArmServer`), every live vault gets its own loopback listener,
``https://127.0.0.1:{port}/``, with the server's certificate: opened when the vault is created or
recovered and for every vault when the server starts serving, closed when the vault is deleted and
when the server stops. The port is kept in the vault's record and asked for again at the next start,
so ``vaultUri`` stays the same across restarts on a state file unless another process took the port
meanwhile (then the vault gets a new one, and its ``vaultUri`` says so).

Without a server (in-process), ``vaultUri`` is Azure's ``https://{name}.vault.azure.net/``: the
in-process transport hands such requests to the emulator, which finds the vault by that host name.
"""

from __future__ import annotations

from ...core.store import Record
from ..base import Provider

__all__ = ["VAULT_TYPE", "VaultOrigins", "azure_vault_uri"]

VAULT_TYPE = "Microsoft.KeyVault/vaults"


def azure_vault_uri(name: str) -> str:
    """Return Azure's ``vaultUri`` of a vault (what an in-process local Azure answers)."""
    return f"https://{name.lower()}.vault.azure.net/"


class VaultOrigins(Provider):
    """Open and close the vaults' listeners on the server serving the emulator, if any."""

    def open_origin(self, record: Record) -> None:
        """Give a live vault its listener (the port it had when it is free) and set its ``vaultUri``."""
        host = self.emu.origins
        if host is None:
            return
        port = host.open(record.key, int(record.internal.get("port") or 0))
        record.internal["port"] = port
        record.body.setdefault("properties", {})["vaultUri"] = f"{host.origin(port)}/"
        self.store.touch(record)

    def close_origin(self, record: Record) -> None:
        """Close a vault's listener (the port stays in the record, to be asked for again)."""
        host = self.emu.origins
        port = record.internal.get("port")
        if host is not None and port:
            host.close(record.key, int(port))

    def open_origins(self) -> None:
        """Open every live vault's listener (a server has started serving this emulator)."""
        for record in self.store.of_type(VAULT_TYPE):
            self.open_origin(record)
