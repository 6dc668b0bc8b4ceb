"""The key-encryption key: where it comes from, and how it wraps and unwraps data keys.

The store never holds a key in clear. Each data key (one per record or per ingestion run) is
wrapped with AES-GCM under the key-encryption key (KEK), which is, in this order:

1. a key-management service: ``LIF_KMS=package.module:factory``, a callable returning a
   :class:`KeyWrapper` (e.g. one that calls Azure Key Vault's or AWS KMS's wrap and unwrap);
2. ``LIF_KEK``: 32 bytes in base64 (``python -c "import os,base64;print(base64.b64encode(os.urandom(32)).decode())"``);
3. a key file: ``LIF_KEK_FILE``, else ``$LIF_HOME/kek.key`` (created, mode 0600, on first use).

Lose the KEK and every encrypted value is lost with it; keep a copy where the database backups
are not.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import importlib
import os
from pathlib import Path
from typing import Protocol, runtime_checkable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lif_core.config import lif_home
from lif_core.errors import ConfigError

__all__ = ["KeyWrapper", "LocalKek", "WrongKekError", "key_wrapper"]

_NONCE = 12


@runtime_checkable
class KeyWrapper(Protocol):
    """Wraps and unwraps data keys; ``key_id`` names the KEK (stored beside each wrapped key)."""

    key_id: str

    def wrap(self, data_key: bytes, name: str) -> bytes: ...

    def unwrap(self, wrapped: bytes, name: str) -> bytes: ...


class WrongKekError(ConfigError):
    """A data key does not unwrap under the configured KEK: the store was written with another.

    The message names both places, the store (once :class:`~lif_core.privacy.vault.DataKeys`
    adds it) and where the KEK came from, and how the two are found by default.
    """

    def __init__(self, name: str, key_id: str, origin: str, store: str = "") -> None:
        self.name, self.key_id, self.origin = name, key_id, origin
        of_store = f" of the store {store}" if store else ""
        super().__init__(
            f"the data key {name!r}{of_store} does not unwrap under the key-encryption key "
            f"{key_id} from {origin}: the store was written with another key-encryption key. "
            "Without --store or LIF_STORE the store is $LIF_HOME/lif.db, beside the key file "
            "$LIF_HOME/kek.key: set LIF_HOME to the folder that holds both, or point "
            "LIF_KEK_FILE (or LIF_KEK, LIF_KMS) at the key this store was written with"
        )

    def in_store(self, store: str) -> WrongKekError:
        """The same error, naming the store (its URL, password masked)."""
        return WrongKekError(self.name, self.key_id, self.origin, store)


class LocalKek:
    """A KEK held by this process (from ``LIF_KEK`` or a key file): AES-256-GCM, the data key's
    name as associated data, so a wrapped key moved to another name does not unwrap.
    ``origin`` says where the KEK came from, for the error when a key does not unwrap."""

    __slots__ = ("_aead", "key_id", "origin")

    def __init__(self, kek: bytes, origin: str = "LIF_KEK") -> None:
        if len(kek) != 32:
            raise ConfigError(f"the key-encryption key must be 32 bytes, not {len(kek)}")
        self._aead = AESGCM(kek)
        self.key_id = "local:" + hashlib.sha256(b"lif-kek-id" + kek).hexdigest()[:16]
        self.origin = origin

    def wrap(self, data_key: bytes, name: str) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + self._aead.encrypt(nonce, data_key, name.encode())

    def unwrap(self, wrapped: bytes, name: str) -> bytes:
        try:
            return self._aead.decrypt(wrapped[:_NONCE], wrapped[_NONCE:], name.encode())
        except InvalidTag:
            raise WrongKekError(name, self.key_id, self.origin) from None


def _decode(text: str, where: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(f"{where} is not base64 (32 random bytes, base64-encoded)") from None


def _key_file(path: Path) -> bytes:
    if not path.exists():
        # Written whole under another name, then linked into place: two processes starting
        # together end with one key, and neither reads a half-written file.
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(base64.b64encode(os.urandom(32)).decode() + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return _decode(path.read_text(encoding="ascii"), f"the key file {path}")


@functools.cache
def _cached(kms: str, kek: str, key_file: str) -> KeyWrapper:
    if kms:
        module, _, attribute = kms.partition(":")
        try:
            factory = getattr(importlib.import_module(module), attribute or "key_wrapper")
        except (ImportError, AttributeError) as exc:
            raise ConfigError(f"LIF_KMS={kms!r} cannot be loaded: {exc}") from None
        wrapper = factory()
        if not isinstance(wrapper, KeyWrapper):
            raise ConfigError(
                f"LIF_KMS={kms!r} returned {type(wrapper).__name__}, not a KeyWrapper"
            )
        return wrapper
    if kek:
        return LocalKek(_decode(kek, "LIF_KEK"))
    path = Path(key_file).resolve()
    return LocalKek(_key_file(path), f"the key file {path}")


def key_wrapper() -> KeyWrapper:
    """The configured KEK (``LIF_KMS``, else ``LIF_KEK``, else the key file)."""
    kms = os.environ.get("LIF_KMS", "").strip()
    kek = os.environ.get("LIF_KEK", "").strip()
    key_file = os.environ.get("LIF_KEK_FILE", "").strip()
    if not kms and not kek and not key_file:
        key_file = str(lif_home() / "kek.key")
    return _cached(kms, kek, key_file)
