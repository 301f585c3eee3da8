"""The JSON-LD contexts our credentials and DID documents name, pinned as local files and served by this site.

Nothing here is ever fetched: verification of a VC-JWT checks the signature over the exact bytes that were signed
and needs no JSON-LD processing at all. The copies are served (``/recognition/contexts/<file>``) so that anyone who
does want to expand a credential can use a document loader mapped to them, offline. Each file is checked against
its SHA-256 (the same digests openbadgeslib pins for the W3C and 1EdTech contexts).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DIRECTORY = Path(__file__).resolve().parent / "static" / "recognition" / "contexts"

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"


@dataclass(frozen=True)
class PinnedContext:
    url: str
    filename: str
    sha256: str
    source: str


PINNED: tuple[PinnedContext, ...] = (
    PinnedContext(
        VC_V2,
        "credentials-v2.json",
        "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
        "W3C Verifiable Credentials Data Model 2.0 (copy bundled by openbadgeslib 4.6)",
    ),
    PinnedContext(
        OB_V3,
        "ob-v3p0-context-3.0.3.json",
        "3d34f4d4ef1bce691106e63798beb5e7b862ba841423f5ee1e53ab7ddf3bca84",
        "1EdTech Open Badges 3.0 context 3.0.3 (copy bundled by openbadgeslib 4.6)",
    ),
    PinnedContext(
        OB_EXTENSIONS,
        "ob-v3p0-extensions.json",
        "87c06c81bc2317663bf288d740d94fddd2818c4342b186270ff6371dfaa63f93",
        "1EdTech Open Badges 3.0 extensions (copy bundled by openbadgeslib 4.6)",
    ),
    PinnedContext(
        DID_V1,
        "did-v1.json",
        "4f3eae5568c9c5f036a082088f9e192019ee06faa78973c87ff91d5421b88dad",
        "W3C DID Core 1.0 context (digitalbazaar/did-context contexts/did-v1.jsonld)",
    ),
    PinnedContext(
        MULTIKEY_V1,
        "security-multikey-v1.json",
        "ba2c182de2d92f7e47184bcca8fcf0beaee6d3986c527bf664c195bbc7c58597",
        "W3C Controlled Identifiers: Multikey (copy bundled by openbadgeslib 4.6)",
    ),
)
BY_URL = {c.url: c for c in PINNED}
BY_FILENAME = {c.filename: c for c in PINNED}


class UnpinnedContextError(LookupError):
    pass


@cache
def read(filename: str) -> bytes:
    """The bytes of a pinned context file, checked against its digest."""
    pinned = BY_FILENAME.get(filename)
    if pinned is None:
        raise UnpinnedContextError(filename)
    data = (DIRECTORY / pinned.filename).read_bytes()
    if hashlib.sha256(data).hexdigest() != pinned.sha256:
        raise UnpinnedContextError(f"{filename}: digest differs from the pinned one")
    return data


def document_loader(url: str, options: object = None) -> dict[str, object]:
    """A JSON-LD document loader (pyld's shape) that serves only the pinned copies and refuses anything else."""
    import json

    pinned = BY_URL.get(url)
    if pinned is None:
        raise UnpinnedContextError(url)
    return {"contextUrl": None, "documentUrl": url, "document": json.loads(read(pinned.filename))}
