"""Open Badges 3.0 credentials: signing, publishing keys and status lists, and verifying with no network."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import socket
import stat

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.urls import reverse
from django.utils import timezone
from openbadgeslib.ob3 import decode_encoded_list

from tests.factories import member_of
from thamdee.recognition import contexts, keys, services
from thamdee.recognition import credentials as vc
from thamdee.recognition.models import Credential, CredentialKind, IssuerKey, StatusList

from .conftest import verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def badge(world) -> Credential:
    """The first-deed badge of w.member, issued by w.org."""
    verified(world, hours=1)
    return Credential.objects.select_related("issuer").get(member=world.member, kind=CredentialKind.BADGE)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_a_valid_credential_passes_with_the_network_disabled(badge, no_network):
    result = vc.verify_token(badge.token)
    assert (result.status, result.reason) == (vc.VALID, "ok")
    assert result.credential == badge
    summary = vc.summary(result.trusted_payload)
    assert summary["recipient_name"] == badge.member.full_name and summary["issuer"] == badge.issuer.did
    with pytest.raises(AssertionError, match="network"):
        socket.create_connection(("example.org", 443))  # the guard is real


def test_a_tampered_credential_fails(badge, no_network):
    header, _payload, signature = badge.token.split(".")
    claims = vc.decode_segment(badge.token)
    claims["name"] = "เหรียญที่ไม่ได้รับจริง"
    result = vc.verify_token(".".join([header, _b64(claims), signature]))
    assert (result.status, result.reason) == (vc.TAMPERED, "signature")
    assert result.trusted_payload is None  # a forged claim is never shown as fact


def test_a_credential_signed_by_another_key_fails_even_if_it_brings_its_own(badge, no_network):
    from jwt.algorithms import OKPAlgorithm

    claims = vc.decode_segment(badge.token)
    kid = jwt.get_unverified_header(badge.token)["kid"]
    stranger = Ed25519PrivateKey.generate()
    forged = jwt.encode(claims, stranger, algorithm="EdDSA", headers={"kid": kid})
    assert vc.verify_token(forged).status == vc.TAMPERED
    embedded = json.loads(OKPAlgorithm.to_jwk(stranger.public_key()))
    forged = jwt.encode(claims, stranger, algorithm="EdDSA", headers={"jwk": embedded})
    result = vc.verify_token(forged)
    assert (result.status, result.reason) == (vc.TAMPERED, "signature")


def test_a_credential_naming_a_key_of_another_issuer_fails(world, badge, no_network):
    other = services._issuers_for([world.agency.pk])[world.agency.pk]
    other_key = services._active_keys([other])[other.pk]
    claims = vc.decode_segment(badge.token)  # claims w.org as issuer, signed with the agency's key
    forged = vc.sign_with(claims, other_key)
    assert vc.verify_token(forged).status == vc.TAMPERED


def test_a_revoked_credential_fails_and_says_so(world, badge, no_network):
    admin = member_of(world.org, is_admin=True)
    services.credential_revoke(actor=admin, credential=badge, reason="ออกซ้ำ")
    result = vc.verify_token(badge.token)
    assert (result.status, result.reason) == (vc.REVOKED, "revoked")
    # The published status list (signed by the issuer) has exactly that bit set
    status = StatusList.objects.get(issuer=badge.issuer)
    assert vc.verify_token(status.token).status == vc.TAMPERED  # a status list is not a badge
    payload = vc.status_list_payload(status)
    bits = decode_encoded_list(payload["credentialSubject"]["encodedList"])
    assert bits[badge.status_index // 8] & (0x80 >> (badge.status_index % 8))
    key = IssuerKey.objects.get(issuer=badge.issuer, retired_at__isnull=True)
    public = key.public_key_pem.encode()
    assert (
        jwt.decode(status.token, public, algorithms=["EdDSA"], options={"verify_aud": False})["iss"] == badge.issuer.did
    )


def test_an_expired_credential_fails_as_expired(world, no_network):
    [credential] = services._issue(
        [
            services.IssueRequest(
                kind=CredentialKind.BADGE,
                member=world.member,
                organisation_id=world.org.pk,
                organisation_name=world.org.name_th,
                achievement=vc.AchievementSpec("badge", "trial", "ทดลอง", "Trial", "ทดลอง", "ทดลอง", "Badge"),
                issued_at=timezone.now() - dt.timedelta(days=30),
                valid_until=timezone.now() - dt.timedelta(days=1),
            )
        ]
    )
    result = vc.verify_token(credential.token)
    assert (result.status, result.reason) == (vc.EXPIRED, "expired")


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("", "empty"),
        ("not a credential", "malformed"),
        ("a.b.c", "malformed"),
    ],
)
def test_garbage_is_tampered_with_a_reason(db, token, reason):
    result = vc.verify_token(token)
    assert (result.status, result.reason) == (vc.TAMPERED, reason)


def test_a_credential_from_an_issuer_unknown_here_fails(badge, no_network):
    claims = {**vc.decode_segment(badge.token), "iss": "did:web:example.org"}
    token = jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA")
    assert vc.verify_token(token).reason == "unknown_issuer"


def test_keys_are_per_issuer_private_keys_in_0600_files_never_in_the_database(world, badge, key_dir):
    key = IssuerKey.objects.get(issuer=badge.issuer)
    path = key_dir / f"{key.file_id}.pem"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(key_dir).st_mode) == 0o700
    assert b"PRIVATE KEY" in path.read_bytes()
    for model in (IssuerKey, StatusList, Credential):
        for row in model.objects.values():
            assert "PRIVATE KEY" not in json.dumps(row, default=str)
    # The level credential is signed by another issuer (the agency) with its own key
    verified(world, hours=3, days_ago=2)
    assert IssuerKey.objects.values("issuer").distinct().count() == 2


def test_did_document_and_jwks_publish_the_key_the_token_names(badge):
    key = IssuerKey.objects.select_related("issuer").get(issuer=badge.issuer)
    header = jwt.get_unverified_header(badge.token)
    assert header["alg"] == "EdDSA" and header["kid"] == key.key_id and "jwk" not in header
    document = vc.did_document(badge.issuer, [key])
    assert document["id"] == badge.issuer.did and document["assertionMethod"] == [key.key_id]
    assert document["@context"] == [contexts.DID_V1, contexts.MULTIKEY_V1]
    assert badge.issuer.did.startswith("did:web:") and badge.issuer.did.endswith(f":issuers:{badge.issuer.public_id}")
    [jwk] = vc.jwks([key])["keys"]
    assert jwk["kid"] == key.key_id and jwk["crv"] == "Ed25519" and "d" not in jwk
    public = jwt.PyJWK(jwk).key
    assert jwt.decode(badge.token, public, algorithms=["EdDSA"])["jti"] == badge.urn


def test_a_rotated_key_stays_published_so_old_credentials_still_verify(world, badge, no_network):
    new_key = services.issuer_key_rotate(actor=world.admin, organisation=world.org)
    assert new_key.kid == "key-2"
    assert vc.verify_token(badge.token).status == vc.VALID
    later = verified(world, hours=1, days_ago=3, member=world.verifier2)
    fresh = Credential.objects.get(member=later.member, kind=CredentialKind.BADGE)
    assert jwt.get_unverified_header(fresh.token)["kid"].endswith("#key-2")
    assert vc.verify_token(fresh.token).status == vc.VALID
    # A revocation after rotation is published under the new key and still read
    services.credential_revoke(actor=world.admin, credential=badge, reason="ทดสอบ")
    assert vc.verify_token(badge.token).status == vc.REVOKED


def _forged_with(key: IssuerKey, badge: Credential, **changes: object) -> str:
    """A token signed with the issuer's own (stolen) private key: what whoever holds a leaked key can make."""
    claims = {**vc.decode_segment(badge.token), **changes}
    return vc.signer_for(key).sign_payload(claims)


def test_a_compromised_key_is_published_no_more_and_what_it_signs_fails(world, badge, no_network):
    stolen = IssuerKey.objects.select_related("issuer").get(issuer=badge.issuer)
    forged = _forged_with(stolen, badge, name="เหรียญปลอมที่ลงนามด้วยกุญแจที่รั่ว")
    assert vc.verify_token(forged).status == vc.VALID  # before: a leaked key signs what it likes
    revoked = verified(world, hours=1, days_ago=3, member=world.verifier2)
    revoked = Credential.objects.get(member=revoked.member, kind=CredentialKind.BADGE)
    services.credential_revoke(actor=world.admin, credential=revoked, reason="ออกผิดคน")
    old_token = badge.token

    current, resigned = services.issuer_key_compromised(actor=world.admin, issuer=badge.issuer, note="ไฟล์กุญแจหลุด")

    stolen.refresh_from_db()
    assert stolen.compromised_at is not None and stolen.retired_at is not None and current.kid == "key-2"
    assert resigned == 2  # both credentials it signed, the revoked one too
    # Nothing it signed verifies, whatever it claims: the forgery, and the old copy a holder kept
    for token in (forged, old_token):
        result = vc.verify_token(token)
        assert (result.status, result.reason) == (vc.TAMPERED, "key_compromised")
        assert result.trusted_payload is None
    assert "ไม่ปลอดภัย" in vc.REASONS["key_compromised"]
    # What the site truly issued was signed again with the new key, the same claims, and still verifies
    badge.refresh_from_db()
    assert jwt.get_unverified_header(badge.token)["kid"] == current.key_id
    assert vc.decode_segment(badge.token) == vc.decode_segment(old_token)
    assert (vc.verify_token(badge.token).status, vc.verify_token(badge.token).credential) == (vc.VALID, badge)
    revoked.refresh_from_db()
    assert vc.verify_token(revoked.token).status == vc.REVOKED
    # Neither the DID document nor the JWK Set publishes it any more, so no other verifier accepts it either
    published = list(IssuerKey.objects.filter(issuer=badge.issuer))
    assert vc.did_document(badge.issuer, published)["assertionMethod"] == [current.key_id]
    assert [k["kid"] for k in vc.jwks(published)["keys"]] == [current.key_id]
    # The status list is signed with the new key
    status = StatusList.objects.get(issuer=badge.issuer)
    assert jwt.get_unverified_header(status.token)["kid"] == current.key_id
    # Again for the same key: nothing more to sign, nothing else changes
    assert services.issuer_key_compromised(actor=world.admin, issuer=badge.issuer, note="อีกครั้ง", kid="key-1") == (
        current,
        0,
    )


def test_declaring_a_key_compromised_needs_a_site_admin_and_a_note(world, badge):
    from thamdee.common.errors import NotFoundError
    from thamdee.recognition.errors import CompromiseNoteRequiredError

    with pytest.raises(NotFoundError):
        services.issuer_key_compromised(actor=world.organiser, issuer=badge.issuer, note="x")
    with pytest.raises(CompromiseNoteRequiredError) as refused:
        services.issuer_key_compromised(actor=world.admin, issuer=badge.issuer, note="   ")
    assert refused.value.code == "compromise_note_required"
    with pytest.raises(NotFoundError):
        services.issuer_key_compromised(actor=world.admin, issuer=badge.issuer, note="x", kid="key-9")
    assert not IssuerKey.objects.filter(compromised_at__isnull=False).exists()
    assert vc.verify_token(badge.token).status == vc.VALID


def test_a_compromised_key_is_always_retired_and_explained_in_the_database(badge):
    from django.db import IntegrityError, transaction

    key = IssuerKey.objects.get(issuer=badge.issuer)
    for retired_at, note in ((None, "รั่ว"), (timezone.now(), "")):
        with pytest.raises(IntegrityError), transaction.atomic():
            IssuerKey.objects.filter(pk=key.pk).update(
                compromised_at=timezone.now(), retired_at=retired_at, compromise_note=note
            )


def test_the_command_rotates_and_declares_a_key_compromised(world, badge):
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    with pytest.raises(CommandError, match="site admin"):
        call_command("recognition", "rotate-key", "--issuer", str(badge.issuer.public_id), "--actor", "nobody")
    with pytest.raises(CommandError, match="no issuer"):
        call_command("recognition", "rotate-key", "--issuer", "x", "--actor", world.admin.username)
    call_command(
        "recognition", "rotate-key", "--issuer", str(world.org.public_id), "--actor", world.admin.username, stdout=out
    )
    assert "key-2" in out.getvalue()
    with pytest.raises(CommandError, match="compromise_note_required"):
        call_command("recognition", "key-compromised", "--issuer", str(badge.issuer.public_id),
                     "--actor", world.admin.username)  # fmt: skip
    call_command("recognition", "key-compromised", "--issuer", str(badge.issuer.public_id), "--kid", "key-1",
                 "--note", "ไฟล์สำรองหาย", "--actor", world.admin.username, stdout=out)  # fmt: skip
    assert "1 credential(s) signed again" in out.getvalue()
    assert IssuerKey.objects.get(issuer=badge.issuer, kid="key-1").compromised_at is not None
    assert IssuerKey.objects.get(issuer=badge.issuer, kid="key-2").retired_at is None
    badge.refresh_from_db()
    assert vc.verify_token(badge.token).status == vc.VALID


def test_a_lost_private_key_is_retired_and_replaced_not_a_failed_verification(world, badge, key_dir):
    key = IssuerKey.objects.get(issuer=badge.issuer)
    (key_dir / f"{key.file_id}.pem").unlink()
    keys.forget_cached()
    later = verified(world, hours=1, days_ago=3, member=world.verifier2)
    key.refresh_from_db()
    assert key.retired_at is not None
    assert vc.verify_token(badge.token).status == vc.VALID
    fresh = Credential.objects.get(member=later.member, kind=CredentialKind.BADGE)
    assert vc.verify_token(fresh.token).status == vc.VALID


def test_verification_reads_only_this_sites_documents(badge):
    fetch = vc.LocalDocuments()
    with pytest.raises(vc.OfflineFetchRefused):
        fetch("https://example.org/.well-known/did.json")
    with pytest.raises(vc.OfflineFetchRefused):  # a look-alike path on another host
        fetch(f"https://example.org/recognition/issuers/{badge.issuer.public_id}/did.json")
    document = json.loads(fetch(vc.did_document_url(badge.issuer.did)))
    assert document["id"] == badge.issuer.did


def test_every_context_a_credential_names_is_pinned_locally(badge):
    for url in vc.decode_segment(badge.token)["@context"]:
        pinned = contexts.BY_URL[url]
        data = contexts.read(pinned.filename)
        assert hashlib.sha256(data).hexdigest() == pinned.sha256
        assert contexts.document_loader(url)["document"]["@context"]
    with pytest.raises(contexts.UnpinnedContextError):
        contexts.document_loader("https://example.org/context.json")


def test_a_credential_baked_into_a_badge_image_or_wrapped_in_json_is_read_back(badge):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle r="4"/></svg>'
    baked = vc.baked_svg(badge.token, svg)
    assert vc.extract_token(baked) == badge.token
    assert vc.extract_token(json.dumps({"credential": badge.token})) == badge.token
    assert vc.extract_token(f"  {badge.token}\n") == badge.token


def test_a_member_s_credential_is_not_handed_out_by_the_public_result_file(badge, client):
    """``/recognition/verify/<id>/credential.jwt`` is for assessment results alone (they name no person): a member's
    badge there is not found, signed in or not."""
    url = reverse("recognition:verify_file", args=[badge.public_id])
    assert client.get(url).status_code == 404
    client.force_login(badge.member)
    assert client.get(url).status_code == 404


def test_a_full_revocation_list_doubles_and_every_credential_still_verifies(world, badge, no_network):
    """An issuer whose list is full (131,072 credentials) gets a list twice as long, re-signed: the next credential
    takes the next index, and old and new ones verify and revoke as before."""
    status = StatusList.objects.get(issuer=badge.issuer)
    StatusList.objects.filter(pk=status.pk).update(next_index=status.size_bits)  # as if 131,072 were given out
    services.credential_revoke(actor=world.admin, credential=badge, reason="ทดสอบ")  # a revocation before it grew
    later = verified(world, hours=1, days_ago=3, member=world.verifier2)
    fresh = Credential.objects.get(member=later.member, kind=CredentialKind.BADGE)
    status.refresh_from_db()
    assert (fresh.status_index, status.size_bits, status.next_index) == (131_072, 262_144, 131_073)
    bits = decode_encoded_list(vc.status_list_payload(status)["credentialSubject"]["encodedList"])
    assert len(bits) * 8 == 262_144
    assert vc.verify_token(fresh.token).status == vc.VALID
    assert vc.verify_token(badge.token).status == vc.REVOKED  # the revocation kept its bit in the longer list
    services.credential_revoke(actor=world.admin, credential=fresh, reason="ทดสอบ")
    assert vc.verify_token(fresh.token).status == vc.REVOKED


def test_a_list_at_its_largest_refuses_more_with_a_clear_error(world, badge, monkeypatch):
    from thamdee.recognition import errors

    monkeypatch.setattr(services, "MAX_STATUS_BITS", 131_072)
    StatusList.objects.filter(issuer=badge.issuer).update(next_index=131_072)
    with pytest.raises(errors.KeyUnavailableError):
        verified(world, hours=1, days_ago=3, member=world.verifier2)


def test_a_token_with_a_nul_character_in_a_claim_is_malformed_not_an_error(client):
    """PostgreSQL refuses NUL in text: an issuer's look-up by such a claim raised instead of answering."""
    token = jwt.encode({"iss": "did:web:x\x00y", "jti": "urn:uuid:x"}, "k" * 32, algorithm="HS256")
    result = vc.verify_token(token)
    assert (result.status, result.reason) == (vc.TAMPERED, "malformed")
    page = client.post(reverse("recognition:verify"), {"credential": token})
    assert page.status_code < 500


def test_the_issuer_page_says_which_key_was_compromised(client, world, badge):
    services.issuer_key_compromised(actor=world.admin, issuer=badge.issuer, note="ไฟล์กุญแจหลุด")
    page = client.get(reverse("recognition:issuer", args=[badge.issuer.public_id])).content.decode()
    assert "#key-1" in page and "แจ้งว่าไม่ปลอดภัยเมื่อ" in page and "#key-2" in page
