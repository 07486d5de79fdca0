"""The local Entra ID's signing key: RSA 2048, one per state file, or one per process without one.

A key made per emulator would cost ~40 ms each time a test starts one; emulators without a state
file are throw-away, so they share one key per process. A state file keeps its own key (sealed in
its meta table), so tokens issued before a restart stay valid after it, as on Azure.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..core.store import Store

__all__ = ["SigningKey"]

_META = "entra_signing_key"
_shared: SigningKey | None = None
_shared_lock = threading.Lock()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class SigningKey:
    """An RSA private key with its key id (``kid``: the base64url SHA-1 thumbprint, as Entra's ``x5t``)."""

    def __init__(self, pem: bytes) -> None:
        from cryptography.hazmat.primitives import serialization

        self.pem = pem
        self.private: Any = serialization.load_pem_private_key(pem, password=None)
        self.public: Any = self.private.public_key()
        der = self.public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.kid = _b64url(hashlib.sha1(der).digest())

    @classmethod
    def generate(cls) -> SigningKey:
        """Make a new RSA 2048 key."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return cls(pem)

    @classmethod
    def for_store(cls, store: Store) -> SigningKey:
        """Return the state file's key (made and kept on first use), or the process's without a file."""
        global _shared
        if store.path is None:
            with _shared_lock:
                if _shared is None:
                    _shared = cls.generate()
                return _shared
        kept = store.meta.get(_META)
        if kept:
            return cls(str(kept).encode("ascii"))
        key = cls.generate()
        store.set_meta(_META, key.pem.decode("ascii"))
        return key

    def jwk(self) -> dict[str, Any]:
        """Return the public key as a JSON Web Key (what ``/discovery/v2.0/keys`` lists)."""
        numbers = self.public.public_numbers()
        size = (numbers.n.bit_length() + 7) // 8
        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": self.kid,
            "n": _b64url(numbers.n.to_bytes(size, "big")),
            "e": _b64url(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")),
            "issuer": None,
        }
