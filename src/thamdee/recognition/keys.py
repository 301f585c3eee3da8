"""Issuers' Ed25519 private keys: generated per issuer on first use, kept in files, never in the database.

The directory is ``settings.RECOGNITION_KEY_DIR`` (default ``VAR_DIR / "keys"``), mode 0700; each key file is
mode 0600 and is created exclusively (never overwritten). The database holds only the public half and the name of
the file. Back the directory up with the same care as the database's secrets: a lost private key cannot sign
again (rotate it), but everything it signed keeps verifying, because public keys stay published.
"""

from __future__ import annotations

import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from thamdee.recognition.errors import KeyUnavailableError

_cache: dict[str, Ed25519PrivateKey] = {}
_lock = threading.Lock()


def key_dir() -> Path:
    return Path(getattr(settings, "RECOGNITION_KEY_DIR", None) or Path(settings.VAR_DIR) / "keys")


@dataclass(frozen=True)
class NewKey:
    file_id: str
    public_key_pem: str


def generate() -> NewKey:
    """Make a new Ed25519 key pair; write the private half to its own 0600 file; return the public half."""
    private = Ed25519PrivateKey.generate()
    file_id = uuid.uuid4().hex
    directory = key_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(directory / f"{file_id}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    with _lock:
        _cache[file_id] = private
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return NewKey(file_id=file_id, public_key_pem=public.decode("ascii"))


def private_key(file_id: str) -> Ed25519PrivateKey:
    """The private key stored under ``file_id`` (read once per process)."""
    with _lock:
        cached = _cache.get(file_id)
    if cached is not None:
        return cached
    path = key_dir() / f"{file_id}.pem"
    try:
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError):
        raise KeyUnavailableError() from None
    if not isinstance(loaded, Ed25519PrivateKey):
        raise KeyUnavailableError()
    with _lock:
        _cache[file_id] = loaded
    return loaded


def has_private_key(file_id: str) -> bool:
    return (key_dir() / f"{file_id}.pem").is_file()


def forget_cached() -> None:
    """Drop keys held in memory (tests that move the key directory)."""
    with _lock:
        _cache.clear()
