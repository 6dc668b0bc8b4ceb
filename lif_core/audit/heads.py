"""Signed tree heads: the Merkle root of the log at a size, signed with a key the store never holds.

A head is ``(tree size, root hash, time, signer)`` signed with Ed25519 over the text
``"lif-tree-head/1\\n<size>\\n<root hex>\\n<time>\\n<signer>\\n"`` (:meth:`TreeHead.message`), so
an auditor can check one with any Ed25519 tool. The public key travels with the head; an auditor
pins the key they expect (``--public-key``) rather than trust the one a head carries.

Keys (:func:`load_signer`): a key file (PEM PKCS#8, or 64 hex digits of a raw private key),
``LIF_SIGNING_KEY`` (the hex digits) or ``LIF_SIGNING_KEY_FILE``, or a key service a plugin
registers (``plugin:NAME``, :mod:`lif_core.audit.hooks`). The store keeps a copy of each head
(``lif_tree_heads``) for convenience only: nothing trusts that copy.
"""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lif_core.errors import ConfigError, VerificationError
from lif_core.eventlog import tree
from lif_core.eventlog.log import build_tree
from lif_core.eventlog.store import Store, Tx

__all__ = [
    "FORMAT",
    "KeySigner",
    "Signer",
    "TreeHead",
    "generate_key",
    "keep_head",
    "load_signer",
    "public_key_hex",
    "read_head",
    "seal_head",
    "sign_head",
    "stored_heads",
]

FORMAT = "lif-tree-head/1"
HEX64 = r"^[0-9a-f]{64}$"


class TreeHead(BaseModel):
    """One signed tree head, as witnesses keep it (JSON)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: str = Field(FORMAT, pattern=f"^{FORMAT}$")
    tree_size: int = Field(ge=0)
    root_hash: str = Field(pattern=HEX64)
    timestamp: str = Field(min_length=1, max_length=64)
    signer: str = Field(min_length=1, max_length=200, pattern=r"^[^\n]*$")
    public_key: str = Field(pattern=HEX64)
    signature: str = Field(pattern=r"^[0-9a-f]{128}$")

    @staticmethod
    def message_for(size: int, root_hex: str, timestamp: str, signer: str) -> bytes:
        return f"{FORMAT}\n{size}\n{root_hex}\n{timestamp}\n{signer}\n".encode()

    def message(self) -> bytes:
        """The bytes the signature is over."""
        return self.message_for(self.tree_size, self.root_hash, self.timestamp, self.signer)

    def signature_ok(self) -> bool:
        try:
            key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(self.public_key))
            key.verify(bytes.fromhex(self.signature), self.message())
        except (InvalidSignature, ValueError):
            return False
        return True

    @property
    def root(self) -> bytes:
        return bytes.fromhex(self.root_hash)

    def label(self) -> str:
        return f"head of {self.tree_size} events signed {self.timestamp} by {self.signer}"


def read_head(text: str, where: str) -> TreeHead:
    """A head from its JSON; a clear error naming ``where`` if it is not one."""
    try:
        return TreeHead.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        at = ".".join(str(p) for p in first["loc"]) or "the head"
        raise VerificationError(f"{where} is not a LIF tree head: {at}: {first['msg']}") from None


class Signer(Protocol):
    """What signs heads: a key in hand, or a key service a plugin registers."""

    name: str

    def public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key."""
        ...

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message``."""
        ...


class KeySigner:
    """An Ed25519 private key held by this process (never written to the store)."""

    def __init__(self, key: Ed25519PrivateKey, name: str) -> None:
        self._key = key
        self.name = name

    def public_key(self) -> bytes:
        return self._key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


def _private_key(text: str, where: str) -> Ed25519PrivateKey:
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise ConfigError(f"{where} is not an Ed25519 key")
            return key
        raw = bytes.fromhex(text)
        if len(raw) != 32:
            raise ValueError("not 32 bytes")
        return Ed25519PrivateKey.from_private_bytes(raw)
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"{where} is not an Ed25519 private key (PEM, or 64 hex digits): {exc}"
        ) from None


def load_signer(key: str | None, signer_name: str) -> Signer:
    """The signer for ``key``: a file path, ``plugin:NAME``, or (None) the environment."""
    if key is not None and key.startswith("plugin:"):
        from lif_core.audit.hooks import plugin_signer

        signer: Signer = plugin_signer(key.removeprefix("plugin:"), signer_name)
        for needed in ("name", "public_key", "sign"):
            if not hasattr(signer, needed):
                raise ConfigError(f"the key service {key} gave a signer without {needed}")
        return signer
    if key is None:
        if os.environ.get("LIF_SIGNING_KEY"):
            return KeySigner(
                _private_key(os.environ["LIF_SIGNING_KEY"], "LIF_SIGNING_KEY"), signer_name
            )
        key = os.environ.get("LIF_SIGNING_KEY_FILE")
        if not key:
            raise ConfigError(
                "no signing key: give --key FILE, or set LIF_SIGNING_KEY or LIF_SIGNING_KEY_FILE "
                "(`lif audit keygen --out FILE` makes one; keep it away from the store)"
            )
    path = Path(key)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the signing key {path}: {exc}") from None
    return KeySigner(_private_key(text, str(path)), signer_name)


def generate_key(out: Path) -> str:
    """Write a new Ed25519 private key (PEM, owner-only) to ``out``; its public key in hex."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return KeySigner(key, "").public_key().hex()


def public_key_hex(text: str) -> str:
    """A public key given as 64 hex digits or a PEM file's text, as 64 hex digits."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ConfigError("the public key is not an Ed25519 key")
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
    if len(text) != 64 or text.strip("0123456789abcdefABCDEF"):
        raise ConfigError("a public key is 64 hex digits (or a PEM file)")
    return text.lower()


def sign_head(signer: Signer, size: int, root: bytes, when: datetime | None = None) -> TreeHead:
    """A head of the tree at ``size`` with ``root``, signed now."""
    timestamp = (when or datetime.now(UTC)).isoformat(timespec="seconds")
    message = TreeHead.message_for(size, root.hex(), timestamp, signer.name)
    head = TreeHead(
        format=FORMAT,
        tree_size=size,
        root_hash=root.hex(),
        timestamp=timestamp,
        signer=signer.name,
        public_key=signer.public_key().hex(),
        signature=signer.sign(message).hex(),
    )
    if not head.signature_ok():
        raise ConfigError(f"the signer {signer.name} gave a signature that does not verify")
    return head


def keep_head(tx: Tx, head: TreeHead) -> None:
    """The store's own copy of a head (convenience: nothing trusts it)."""
    tx.execute(
        "INSERT INTO lif_tree_heads (tree_size, timestamp, head) VALUES (?, ?, ?)",
        (head.tree_size, head.timestamp, head.model_dump_json()),
    )


def stored_heads(store: Store) -> list[TreeHead]:
    """The store's copies of the heads it signed, oldest first (none if never sealed)."""
    with store.read() as tx:
        rows = tx.execute(
            "SELECT head FROM lif_tree_heads ORDER BY tree_size, timestamp"
        ).fetchall()
    return [read_head(str(r[0]), "a head kept in the store") for r in rows]


def seal_head(store: Store, signer: Signer) -> TreeHead:
    """Sign the tree as it stands (built over the whole log first, for a store made before
    it) and keep a copy in the store. Publishing it to witnesses is the caller's next step."""
    build_tree(store)
    with store.transaction() as tx:
        state = tree.load(tx)
        assert state is not None  # build_tree made it
        head = sign_head(signer, state.size, state.root)
        keep_head(tx, head)
    return head
