"""Open Badges 3.0 credentials: building, signing (VC-JWT, EdDSA over Ed25519), publishing keys and status lists,
and verifying without the network.

openbadgeslib does the Open Badges work: the credential model (``OpenBadgeCredential`` and friends), the
Bitstring Status List encoding, the Multikey encoding, and verification (``OB3Verifier.for_issuer_did`` with the
status check). Two parts are ours, and why:

* Signing. ``OB3Signer`` puts the issuer's public JWK in the JOSE header; we put a ``kid`` naming the
  verification method in the issuer's did:web document instead, so that a verifier picks the key from what the
  issuer published and never from what the token says about itself (an embedded key proves nothing).
* Fetching. The library fetches DID documents and status lists over HTTPS. We hand it a ``download`` that answers
  from this site's own database for this site's own issuers and refuses every other URL: verification never opens
  a socket, so it works offline and cannot be turned into a request to somewhere else.

JSON-LD contexts are never needed to verify a VC-JWT (the signature covers the exact bytes); the pinned copies are
served for those who expand credentials (see ``contexts.py``).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

import jwt
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openbadgeslib.ob3 import (
    Achievement,
    IdentityObject,
    Issuer,
    OB3Signer,
    OB3VerificationError,
    OB3Verifier,
    OpenBadgeCredential,
    build_status_list_credential,
    multikey_from_pem,
    status_entry,
)

from thamdee.recognition import contexts, keys

if TYPE_CHECKING:
    from thamdee.recognition.models import Credential as CredentialRecord
    from thamdee.recognition.models import Issuer as IssuerRecord
    from thamdee.recognition.models import IssuerKey, StatusList

ALGORITHM = "EdDSA"
STATUS_PURPOSE = "revocation"


# --- where things live ----------------------------------------------------------------------------------------


def site_url() -> str:
    return str(settings.SITE_URL).rstrip("/")


def did_for(issuer_public_id: uuid.UUID | str) -> str:
    """did:web in its path form, under this site: did:web:<host>:recognition:issuers:<id>."""
    host = urlsplit(site_url()).netloc
    return f"did:web:{quote(host, safe='')}:recognition:issuers:{issuer_public_id}"


def did_document_url(did: str) -> str:
    """Where a did:web resolver looks for the document (the same rule as openbadgeslib's resolver)."""
    parts = [unquote(p) for p in did[len("did:web:") :].split(":")]
    host, path = parts[0], parts[1:]
    return f"https://{host}/{'/'.join(path)}/did.json" if path else f"https://{host}/.well-known/did.json"


def issuer_url(issuer: IssuerRecord) -> str:
    return f"{site_url()}/recognition/issuers/{issuer.public_id}/"


def status_list_url(issuer: IssuerRecord, purpose: str = STATUS_PURPOSE) -> str:
    return f"{site_url()}/recognition/issuers/{issuer.public_id}/status/{purpose}"


def achievement_url(kind: str, code: str) -> str:
    return f"{site_url()}/recognition/achievements/{kind}/{code}/"


def verify_url(credential_public_id: uuid.UUID | str) -> str:
    """What a certificate's QR code says: the public verification page of that credential."""
    return f"{site_url()}/recognition/verify/{credential_public_id}/"


# --- building and signing ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AchievementSpec:
    kind: str  # badge | level | honour | result
    code: str
    name_th: str
    name_en: str
    description_th: str
    criteria_th: str
    achievement_type: str  # Open Badges AchievementType: Badge, Achievement, Award
    tags: tuple[str, ...] = ()
    # The credential's own name, when it says more than the achievement's (a result names its fiscal year: the
    # achievement is the same every year).
    award_th: str = ""
    award_en: str = ""

    @property
    def url(self) -> str:
        return achievement_url(self.kind, self.code)

    @property
    def credential_name_th(self) -> str:
        return self.award_th or self.name_th

    @property
    def credential_name_en(self) -> str:
        return self.award_en or self.name_en


def build_payload(
    *,
    credential_id: uuid.UUID,
    issuer_did: str,
    issuer_name: str,
    issuer_page: str,
    recipient_id: str,
    recipient_name: str,
    achievement: AchievementSpec,
    issued_at: dt.datetime,
    valid_until: dt.datetime | None,
    status_url: str,
    status_index: int,
) -> dict[str, Any]:
    """The JWT payload of one credential. The recipient is an id (a URI: ``urn:uuid:`` of a member's or an
    organisation's opaque id, or a province's public address) and a name, nothing else: no national ID, no phone
    number."""
    credential = OpenBadgeCredential(
        id=f"urn:uuid:{credential_id}",
        issuer=Issuer(id=issuer_did, name=issuer_name, url=issuer_page),
        recipient_id=recipient_id,
        achievement=Achievement(
            id=achievement.url,
            name=achievement.name_th,
            description=achievement.description_th,
            criteria_narrative=achievement.criteria_th,
            achievement_type=achievement.achievement_type,
            tags=list(achievement.tags),
        ),
        name=achievement.credential_name_th,
        issuance_date=issued_at,
        expiration_date=valid_until,
        identifiers=[IdentityObject(identity_hash=recipient_name, identity_type="name", hashed=False)],
        credential_status=[status_entry(status_url, STATUS_PURPOSE, status_index)],
    )
    return credential.to_jwt_payload()


class KidSigner(OB3Signer):
    """``OB3Signer`` that names its key by ``kid`` (a verification method of the issuer's DID) instead of
    embedding it."""

    def __init__(self, private_key: Any, kid: str) -> None:
        super().__init__(private_key, algorithm=ALGORITHM)
        self.kid = kid

    def sign_payload(self, payload: dict[str, Any]) -> str:
        return jwt.encode(payload, self._load_privkey(), algorithm=ALGORITHM, headers={"kid": self.kid, "typ": "JWT"})


def signer_for(key: IssuerKey) -> KidSigner:
    return KidSigner(keys.private_key(key.file_id), key.key_id)


def sign_status_list(issuer_did: str, url: str, revoked: list[int], size_bits: int, key: IssuerKey) -> str:
    """The issuer's Bitstring Status List credential, signed with its current key."""
    vc = build_status_list_credential(issuer_did, url, STATUS_PURPOSE, revoked, size_bits=size_bits)
    payload = {**vc, "iss": issuer_did, "jti": url, "nbf": int(timezone.now().timestamp())}
    return signer_for(key).sign_payload(payload)


# --- publishing public keys --------------------------------------------------------------------------------------


def _published(issuer_keys: list[IssuerKey]) -> list[IssuerKey]:
    """The keys an issuer publishes, the current one first: all it ever signed with but those compromised."""
    kept = [k for k in issuer_keys if k.compromised_at is None]
    return sorted(kept, key=lambda k: (k.retired_at is not None, -(k.pk or 0)))


def did_document(issuer: IssuerRecord, issuer_keys: list[IssuerKey]) -> dict[str, Any]:
    """The issuer's DID document: every key it ever signed with, the current one first, as Multikey; never a
    key declared compromised."""
    ordered = _published(issuer_keys)
    methods = [
        {
            "id": k.key_id,
            "type": "Multikey",
            "controller": issuer.did,
            "publicKeyMultibase": multikey_from_pem(k.public_key_pem),
        }
        for k in ordered
    ]
    return {
        "@context": [contexts.DID_V1, contexts.MULTIKEY_V1],
        "id": issuer.did,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


def jwks(issuer_keys: list[IssuerKey]) -> dict[str, Any]:
    """The same keys as a JWK Set, each ``kid`` exactly as the tokens name it."""
    from cryptography.hazmat.primitives import serialization
    from jwt.algorithms import OKPAlgorithm

    out = []
    for k in _published(issuer_keys):
        public = serialization.load_pem_public_key(k.public_key_pem.encode())
        jwk = json.loads(OKPAlgorithm.to_jwk(public))  # type: ignore[arg-type]
        out.append({**jwk, "kid": k.key_id, "alg": ALGORITHM, "use": "sig"})
    return {"keys": out}


# --- verifying ------------------------------------------------------------------------------------------------

VALID, REVOKED, EXPIRED, TAMPERED = "valid", "revoked", "expired", "tampered"
STATUSES = (VALID, REVOKED, EXPIRED, TAMPERED)

REASONS: dict[str, Any] = {
    "ok": _("ลายมือชื่อดิจิทัลถูกต้อง ออกโดยผู้ออกที่ระบุ และยังไม่ถูกเพิกถอน"),
    "revoked": _("ผู้ออกได้เพิกถอนใบรับรองนี้แล้ว"),
    "expired": _("ใบรับรองนี้หมดอายุแล้ว"),
    "empty": _("ไม่พบข้อมูลใบรับรอง"),
    "malformed": _("รูปแบบข้อมูลไม่ใช่ใบรับรองที่อ่านได้ (VC-JWT)"),
    "unknown_issuer": _("ผู้ออกที่ระบุในใบรับรองไม่ได้อยู่ในระบบนี้"),
    "issuer_keys": _("อ่านกุญแจสาธารณะของผู้ออกไม่ได้"),
    "signature": _("ลายมือชื่อดิจิทัลไม่ตรงกับกุญแจที่ผู้ออกเผยแพร่ ข้อมูลอาจถูกแก้ไขหรือลงนามด้วยกุญแจอื่น"),
    "not_yet_valid": _("ใบรับรองระบุวันที่เริ่มใช้ในอนาคต"),
    "invalid": _("โครงสร้างใบรับรองไม่ถูกต้องตามมาตรฐาน Open Badges 3.0"),
    "status": _("ตรวจสถานะการเพิกถอนไม่ได้"),
    "key_compromised": _(
        "ฉบับนี้ลงนามด้วยกุญแจที่ผู้ออกแจ้งว่าไม่ปลอดภัยแล้ว จึงเชื่อถือไม่ได้ "
        "หากผู้ออกออกใบรับรองนี้จริง ได้ลงนามให้ใหม่แล้ว ผู้ได้รับดาวน์โหลดฉบับใหม่ได้จากหน้าใบรับรองของตน"
    ),
}


@dataclass
class Verification:
    status: str
    reason: str
    detail: str = ""
    payload: dict[str, Any] | None = None
    credential: CredentialRecord | None = None
    checked_at: dt.datetime = field(default_factory=timezone.now)

    @property
    def ok(self) -> bool:
        return self.status == VALID

    @property
    def reason_text(self) -> str:
        return str(REASONS.get(self.reason, self.reason))

    @property
    def reason_th(self) -> str:
        from django.utils import translation

        with translation.override("th"):
            return self.reason_text

    @property
    def reason_en(self) -> str:
        from django.utils import translation

        with translation.override("en"):
            return self.reason_text

    @property
    def trusted_payload(self) -> dict[str, Any] | None:
        """The claims, only when the signature held (a tampered token's claims are not to be shown as facts)."""
        return self.payload if self.status != TAMPERED else None


class OfflineFetchRefused(Exception):
    """Verification asked for a URL that is not one of this site's own issuer documents."""


_DID_PATH = re.compile(r"^/recognition/issuers/(?P<id>[0-9a-fA-F-]{36})/did\.json$")


class LocalDocuments:
    """The ``download`` openbadgeslib calls during verification, answered from this site's database: the DID
    documents of its issuers and their signed status lists. Anything else is refused; nothing touches a socket."""

    def __init__(self) -> None:
        self.fetched: list[str] = []

    def __call__(self, url: str) -> bytes:
        from thamdee.recognition.models import Issuer as IssuerRecord
        from thamdee.recognition.models import StatusList

        self.fetched.append(url)
        match = _DID_PATH.match(urlsplit(url).path)
        if match:
            issuer = IssuerRecord.objects.filter(public_id=match["id"]).first()
            if issuer is not None and did_document_url(issuer.did) == url:
                return json.dumps(did_document(issuer, list(issuer.keys.all()))).encode()
        status = StatusList.objects.filter(url=url).exclude(token="").first()
        if status is not None:
            return status.token.encode()
        raise OfflineFetchRefused(url)


def extract_token(data: bytes | str) -> str:
    """The compact JWT in what someone pasted or uploaded: the token itself, a JSON wrapper, or a badge image with
    the credential baked in (SVG or PNG, as Open Badges 3.0 bakes it)."""
    if isinstance(data, bytes):
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            try:
                return OB3Verifier.extract_token_from_png(data).strip()
            except Exception:
                return ""
        head = data[:512].lstrip().lower()
        if head.startswith(b"<?xml") or head.startswith(b"<svg") or b"<svg" in head:
            try:
                return OB3Verifier.extract_token_from_svg(data).strip()
            except Exception:
                return ""
        text = data.decode("utf-8", errors="replace")
    else:
        text = data
    text = text.strip()
    if text.startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError:
            return text
        if isinstance(doc, dict):
            for name in ("credential", "token", "jwt", "vc"):
                if isinstance(doc.get(name), str):
                    return str(doc[name]).strip()
    return text


def unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    try:
        header = jwt.get_unverified_header(token)
        payload = jwt.decode(token, options={"verify_signature": False})
    except (jwt.exceptions.PyJWTError, ValueError, TypeError, RecursionError, UnicodeError):
        return None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return None
    # A NUL character, which no claim of ours holds and PostgreSQL refuses in text, is a malformed token (it would
    # otherwise reach the issuer's look-up as an error of the database).
    if "\\u0000" in json.dumps([header, payload]):
        return None
    return header, payload


def _record_for(payload: dict[str, Any]) -> CredentialRecord | None:
    from thamdee.recognition.models import Credential as CredentialRecord

    jti = payload.get("jti")
    if not isinstance(jti, str) or not jti.startswith("urn:uuid:"):
        return None
    try:
        public_id = uuid.UUID(jti[len("urn:uuid:") :])
    except ValueError:
        return None
    return CredentialRecord.objects.select_related("issuer__organisation", "member").filter(public_id=public_id).first()


def verify_token(token: str) -> Verification:
    """Verify a credential: its signature against the key its issuer published (by ``kid``), its structure as an
    Open Badges 3.0 credential, its validity window, and its revocation bit in the issuer's signed status list.

    Guarantees: no network access (see ``LocalDocuments``); a token that does not verify under the issuer's
    published key is ``tampered`` whatever it claims; only then are ``revoked`` (before) and ``expired`` told
    apart from ``valid``.
    """
    from thamdee.recognition.models import Issuer as IssuerRecord

    token = (token or "").strip()
    if not token:
        return Verification(TAMPERED, "empty")
    if len(token) > 64_000 or token.count(".") != 2:
        return Verification(TAMPERED, "malformed")
    parsed = unverified(token)
    if parsed is None:
        return Verification(TAMPERED, "malformed")
    header, claims = parsed
    iss = claims.get("iss")
    issuer = IssuerRecord.objects.filter(did=iss).first() if isinstance(iss, str) else None
    if issuer is None:
        return Verification(TAMPERED, "unknown_issuer", payload=claims)
    did, _hash, kid = str(header.get("kid", "")).rpartition("#")
    if did == issuer.did and issuer.keys.filter(kid=kid, compromised_at__isnull=False).exists():
        return Verification(TAMPERED, "key_compromised", payload=claims)
    documents = LocalDocuments()
    try:
        verifier = OB3Verifier.for_issuer_did(issuer.did, download=documents)
    except OB3VerificationError as exc:
        return Verification(TAMPERED, "issuer_keys", str(exc), payload=claims)
    expired = False
    try:
        credential = verifier.verify(token)
    except OB3VerificationError as exc:
        message = str(exc)
        if isinstance(exc.__cause__, jwt.exceptions.ExpiredSignatureError) or message.startswith(
            "Credential has expired"
        ):
            # PyJWT checks the signature before the dates, so an expired token was signed by the issuer's key.
            expired = True
            try:
                credential = OpenBadgeCredential.from_jwt_payload(claims)
            except (KeyError, ValueError, TypeError, OverflowError):
                return Verification(TAMPERED, "invalid", message, payload=claims)
        else:
            reason = "signature" if "signature" in message.lower() or "kid" in message.lower() else "invalid"
            if "not yet valid" in message.lower() or isinstance(exc.__cause__, jwt.exceptions.ImmatureSignatureError):
                reason = "not_yet_valid"
            return Verification(TAMPERED, reason, message, payload=claims)
    record = _record_for(claims)
    try:
        verifier.check_status(credential, verify_list=True, download=documents)
    except OB3VerificationError as exc:
        message = str(exc)
        if " is set at index " in message:
            return Verification(REVOKED, "revoked", message, payload=claims, credential=record)
        return Verification(TAMPERED, "status", message, payload=claims, credential=record)
    if record is not None and record.revoked_at is not None:
        return Verification(REVOKED, "revoked", payload=claims, credential=record)
    if expired:
        return Verification(EXPIRED, "expired", payload=claims, credential=record)
    return Verification(VALID, "ok", payload=claims, credential=record)


def summary(payload: dict[str, Any] | None) -> dict[str, Any] | None:
    """What a verified credential says, for a page or an API answer (names, dates, issuer)."""
    if not payload:
        return None
    subject = payload.get("credentialSubject") or {}
    if isinstance(subject, list):
        subject = subject[0] if subject else {}
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement") if isinstance(subject.get("achievement"), dict) else {}
    issuer = payload.get("issuer")
    issuer_name = issuer.get("name", "") if isinstance(issuer, dict) else ""
    recipient = ""
    for identifier in subject.get("identifier") or []:
        if isinstance(identifier, dict) and identifier.get("identityType") == "name" and not identifier.get("hashed"):
            recipient = str(identifier.get("identityHash", ""))
    return {
        "id": str(payload.get("id", "")),
        "name": str(payload.get("name", "")),
        "achievement": str(achievement.get("name", "")) if isinstance(achievement, dict) else "",
        "achievement_type": str(achievement.get("achievementType", "")) if isinstance(achievement, dict) else "",
        "recipient_name": recipient,
        "issuer_name": str(issuer_name),
        "issuer": str(payload.get("iss", "")),
        "valid_from": _date(payload.get("validFrom")),
        "valid_until": _date(payload.get("validUntil")),
    }


def _date(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def baked_svg(token: str, svg: bytes) -> bytes:
    """A badge image carrying its credential (Open Badges 3.0 baking: ``<openbadges:credential verify=...>``)."""
    from openbadgeslib import baking

    return baking.bake_svg(svg, token, element=baking.SVG_ELEMENT_OB3, namespace=baking.SVG_NS_OB3)


def decode_segment(token: str) -> dict[str, Any]:
    """The payload of a token without checking it (for tests and tools)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def sign_with(token_payload: dict[str, Any], key: IssuerKey) -> str:
    return signer_for(key).sign_payload(token_payload)


def status_list_payload(status: StatusList) -> dict[str, Any]:
    return decode_segment(status.token)
