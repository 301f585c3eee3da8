"""Writes for people: registration, profile, national ID and consent."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from thamdee.areas.models import Area, AreaLevel
from thamdee.common.errors import DomainError, NotFoundError
from thamdee.common.permissions import require
from thamdee.people.errors import (
    BirthYearError,
    ConsentError,
    CurrentPasswordError,
    CurrentPasswordRateLimitedError,
    GuardianConsentRequiredError,
    HomeAreaError,
    LookupRateLimitedError,
    MobileTakenError,
    NationalIdTakenError,
    SignUpNotPossibleError,
    SignUpRateLimitedError,
    UsernameTakenError,
    WeakPasswordError,
)
from thamdee.people.models import (
    Consent,
    ConsentPurpose,
    FamilyLink,
    FamilyRelation,
    NamePrefix,
    SignUpAttempt,
    User,
)
from thamdee.people.permissions import can_edit_profile
from thamdee.people.selectors import consents_in_force
from thamdee.people.types import Actor
from thamdee.people.validators import mobile_normalise, national_id_hmac, national_id_normalise


def birth_year_normalise(value: int | str | None) -> int | None:
    """A birth year in CE. People often write the Buddhist Era year (2510), so years above 2400 are BE."""
    if value in (None, ""):
        return None
    try:
        year = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise BirthYearError() from None
    if year > 2400:
        year -= 543
    if not 1900 <= year <= timezone.localdate().year:
        raise BirthYearError()
    return year


def _check_home_area(area: Area | None) -> None:
    if area is not None and area.level < AreaLevel.SUBDISTRICT:
        raise HomeAreaError()


def _new_username(mobile: str | None) -> str:
    base = f"m{mobile}" if mobile else "member"
    candidate = base
    while User.objects.filter(username=candidate).exists():
        candidate = f"{base}-{secrets.token_hex(3)}"
    return candidate


@transaction.atomic
def user_register(
    *,
    first_name: str,
    last_name: str,
    prefix: str = "",
    username: str | None = None,
    password: str | None = None,
    mobile: str | None = None,
    birth_year: int | str | None = None,
    home_area: Area | None = None,
    national_id: str | None = None,
    language: str = "th",
) -> User:
    """Create an account.

    Guarantees: the mobile number is a valid Thai mobile and unique; the national ID, if given, is valid and
    is stored only as its keyed HMAC, so the same person cannot hold two accounts; the password, if given,
    passes Django's validators (at least 8 characters); without one the account cannot sign in until an
    organiser or the member sets one.
    """
    mobile_value = mobile_normalise(mobile) if mobile else None
    fingerprint = national_id_hmac(national_id) if national_id else None
    _check_home_area(home_area)
    user = User(
        username=(username or "").strip() or _new_username(mobile_value),
        prefix=prefix or "",
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        mobile=mobile_value,
        birth_year=birth_year_normalise(birth_year),
        home_area=home_area,
        national_id_hmac=fingerprint,
        preferred_language=language if language in ("th", "en") else "th",
    )
    if password:
        try:
            password_validation.validate_password(password, user)
        except DjangoValidationError as exc:
            raise WeakPasswordError(reasons=" ".join(exc.messages)) from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    if mobile_value and User.objects.filter(mobile=mobile_value).exists():
        raise MobileTakenError()
    if fingerprint and User.objects.filter(national_id_hmac=fingerprint).exists():
        raise NationalIdTakenError()
    if User.objects.filter(username=user.username).exists():
        raise UsernameTakenError()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent registration won the race
        text = str(exc)
        if "national_id" in text:
            raise NationalIdTakenError() from None
        if "mobile" in text:
            raise MobileTakenError() from None
        raise UsernameTakenError() from None
    return user


SIGN_UP_WINDOW = timedelta(hours=1)
# An IPv6 /48 (a tunnel broker's free allocation, many hosting plans) holds 65,536 /64s: it is counted too, with
# this many times the per-address limit, so that walking through its /64s does not escape the limit.
SIGN_UP_48_FACTOR = 4
# Signed-in tries that tell whether a mobile number or national ID has an account (a new mobile number or national
# ID on the profile, a family member named by mobile number), per person in any hour, failed ones included.
LOOKUP_LIMIT_PER_USER = 10


def _address_buckets(address: str | None) -> list[tuple[str, int]]:
    """The buckets a client address is counted in, each with its factor of the per-address limit: an IPv4 address
    as it is; an IPv6 address by its /64, which one household or phone holds whole, and by its /48."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return [(address or "unknown", 1)]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return [(str(ip.ipv4_mapped), 1)]
        return [
            (str(ipaddress.ip_network(f"{ip}/64", strict=False)), 1),
            (str(ipaddress.ip_network(f"{ip}/48", strict=False)), SIGN_UP_48_FACTOR),
        ]
    return [(str(ip), 1)]


def _attempt_key(kind: str, value: str) -> str:
    return salted_hmac("thamdee.people.sign_up", f"{kind}:{value}", algorithm="sha256").hexdigest()


def _lock_attempt_keys(keys: list[str]) -> None:
    """Serialise the tries that share a key until the transaction ends. Without it, on PostgreSQL (READ
    COMMITTED) tries at the same moment each count the same committed rows and all pass the limit. One
    transaction-scoped advisory lock per key, taken in a fixed order (no deadlock between two tries that share
    two keys). SQLite needs none: its write transactions (IMMEDIATE) already run one at a time."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in sorted(set(keys)):
            # The digest's first 64 bits, as the signed bigint the lock takes.
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(key[:16], 16) - (1 << 63)])


def _attempts_take(limits: dict[str, int], error: type[DomainError]) -> None:
    """Record one try under each key of ``limits`` (key: the most tries it may have in ``SIGN_UP_WINDOW``), in a
    transaction of its own, so that a try counts whatever happens next; over any limit, raise ``error`` and record
    nothing. Call it outside any transaction that a failure would roll back."""
    now = timezone.now()
    with transaction.atomic():
        _lock_attempt_keys(list(limits))
        SignUpAttempt.objects.filter(created_at__lt=now - SIGN_UP_WINDOW).delete()
        counts = dict(
            SignUpAttempt.objects.filter(key__in=list(limits), created_at__gte=now - SIGN_UP_WINDOW)
            .values_list("key")
            .annotate(tries=Count("id"))
        )
        if any(counts.get(key, 0) >= limit for key, limit in limits.items()):
            raise error()
        SignUpAttempt.objects.bulk_create(SignUpAttempt(key=key, created_at=now) for key in limits)


def user_sign_up(
    *, client_address: str | None, mobile: str, password: str, national_id: str | None = None, **person: Any
) -> User:
    """A person signs themselves up on the public form: ``user_register`` behind rate limits, with an answer
    that does not tell who already has an account.

    Guarantees: in any hour, at most ``THAMDEE["SIGNUP_LIMIT_PER_ADDRESS"]`` tries from one client address (an
    IPv6 client by its /64, and ``SIGN_UP_48_FACTOR`` times as many from its /48) and
    ``THAMDEE["SIGNUP_LIMIT_PER_IDENTITY"]`` with one mobile number or national ID, however many tries arrive at
    once; over either, ``SignUpRateLimitedError`` and nothing is written. A try counts whether the sign-up then
    succeeds or fails, so it is committed before the account is attempted: call this outside any transaction
    that a failure would roll back. Tries are kept as keyed digests only, for an hour. Any clash with an existing
    account (mobile number, national ID, user name) raises the one ``SignUpNotPossibleError``, which names
    neither. Signing in is never limited here.
    """
    mobile_value = mobile_normalise(mobile)
    per_address = settings.THAMDEE["SIGNUP_LIMIT_PER_ADDRESS"]
    per_identity = settings.THAMDEE["SIGNUP_LIMIT_PER_IDENTITY"]
    limits = {
        _attempt_key("address", bucket): per_address * factor for bucket, factor in _address_buckets(client_address)
    }
    limits[_attempt_key("mobile", mobile_value)] = per_identity
    if national_id:
        limits[_attempt_key("national_id", national_id_normalise(national_id))] = per_identity
    _attempts_take(limits, SignUpRateLimitedError)
    try:
        return user_register(mobile=mobile_value, password=password, national_id=national_id, **person)
    except (MobileTakenError, NationalIdTakenError, UsernameTakenError):
        raise SignUpNotPossibleError() from None


def _lookup_take(user: Actor) -> None:
    """Count one signed-in try that tells whether a number has an account (``LOOKUP_LIMIT_PER_USER`` an hour per
    person, across the profile's mobile number and national ID and the family link by mobile number). The answers
    stay (a person must learn that their number is taken), but no one walks the numbers with them."""
    _attempts_take({_attempt_key("lookup_user", str(user.pk)): LOOKUP_LIMIT_PER_USER}, LookupRateLimitedError)


# Wrong current passwords (a new password, a new mobile number) per account in any hour, as many as the sign-in's
# lockout allows: a signed-in session must not become a way to guess the password without limit.
PASSWORD_CHECK_LIMIT_PER_USER = 5


def _current_password_check(*, actor: Actor, user: User, current_password: str | None) -> None:
    """What a new password or a new mobile number (the name that signs in) needs: the account's current password,
    when a person changes their own and has one. A member an organiser registered has none to give (an unusable
    password) and is not asked; neither is a site admin changing someone else's.

    A wrong one counts against ``PASSWORD_CHECK_LIMIT_PER_USER`` an hour (committed at once: call this outside
    any transaction that a failure would roll back); at the limit every try is refused, the right one too, so the
    answer tells nothing. Checking and counting hold the account's key, so tries at the same moment are counted
    one after another."""
    if actor.pk != user.pk or not user.has_usable_password():
        return
    key = _attempt_key("current_password", str(user.pk))
    now = timezone.now()
    with transaction.atomic():
        _lock_attempt_keys([key])
        if SignUpAttempt.objects.filter(key=key, created_at__gte=now - SIGN_UP_WINDOW).count() >= (
            PASSWORD_CHECK_LIMIT_PER_USER
        ):
            raise CurrentPasswordRateLimitedError()
        right = user.check_password(current_password) if current_password else False
        if not right:
            SignUpAttempt.objects.create(key=key, created_at=now)
    if not right:
        raise CurrentPasswordError()


PROFILE_FIELDS = ("prefix", "first_name", "last_name", "mobile", "birth_year", "home_area", "preferred_language")


def user_update_profile(*, actor: Actor, user: User, current_password: str | None = None, **changes: Any) -> User:
    """Change a person's own details (or, for a site admin, anyone's).

    A different mobile number, or none, is a change of the name that signs in: it needs the current password
    (``_current_password_check``; wrong or missing, ``CurrentPasswordError`` and nothing changes). A new mobile
    number answers whether another account holds it (``MobileTakenError``), so each one counts as a lookup of the
    actor's (``_lookup_take``, committed first: call this outside any transaction that a failure would roll back);
    over the limit, ``LookupRateLimitedError`` and nothing changes.
    """
    require(can_edit_profile, actor, user)
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    if "mobile" in changes:
        changes["mobile"] = mobile_normalise(changes["mobile"]) if changes["mobile"] else None
        if changes["mobile"] != user.mobile:
            _current_password_check(actor=actor, user=user, current_password=current_password)
        if changes["mobile"] and changes["mobile"] != user.mobile:
            _lookup_take(actor)
    return _user_update_profile(user, changes)


@transaction.atomic
def _user_update_profile(user: User, changes: dict[str, Any]) -> User:
    if "mobile" in changes:
        value = changes["mobile"]
        if value and User.objects.filter(mobile=value).exclude(pk=user.pk).exists():
            raise MobileTakenError()
    if "birth_year" in changes:
        changes["birth_year"] = birth_year_normalise(changes["birth_year"])
        if changes["birth_year"] is None and user.birth_year and _may_be_under_guardian_age(user.age_in()):
            # An unknown birth year would let a child's own consent stand where a guardian's is needed
            # (``needs_guardian_consent``); a year may be corrected, not removed, while it says so.
            raise BirthYearError()
    if "home_area" in changes:
        _check_home_area(changes["home_area"])
    for field, value in changes.items():
        setattr(user, field, value.strip() if isinstance(value, str) and field != "mobile" else value)
    user.save(update_fields=list(changes))
    return user


def user_set_national_id(*, actor: Actor, user: User, national_id: str | None) -> User:
    """Record (or clear, with None) a person's national ID as its keyed HMAC; the number itself is dropped.

    A new national ID answers whether another account holds it (``NationalIdTakenError``), so each one counts as
    a lookup of the actor's, as a new mobile number does in ``user_update_profile``.
    """
    require(can_edit_profile, actor, user)
    fingerprint = national_id_hmac(national_id) if national_id else None
    if fingerprint and fingerprint != user.national_id_hmac:
        _lookup_take(actor)
    with transaction.atomic():
        if fingerprint and User.objects.filter(national_id_hmac=fingerprint).exclude(pk=user.pk).exists():
            raise NationalIdTakenError()
        user.national_id_hmac = fingerprint
        user.save(update_fields=["national_id_hmac"])
    return user


def user_set_password(*, actor: Actor, user: User, password: str, current_password: str | None = None) -> User:
    """Set a new password: a person changing their own gives the current one (``_current_password_check``, not
    asked of a member who has none yet); wrong or missing, ``CurrentPasswordError`` and nothing changes. Every
    API token of the account ends."""
    require(can_edit_profile, actor, user)
    _current_password_check(actor=actor, user=user, current_password=current_password)
    with transaction.atomic():
        try:
            password_validation.validate_password(password, user)
        except DjangoValidationError as exc:
            raise WeakPasswordError(reasons=" ".join(exc.messages)) from None
        user.set_password(password)
        user.save(update_fields=["password"])  # which ends every API token of the account (User.save)
    return user


# PDPA section 20: consent for a child under 10 years old is given by the person exercising parental power.
GUARDIAN_CONSENT_AGE = 10
# The prefixes of children under 15: with no birth year, they tell that a person may be under 10.
CHILD_PREFIXES = frozenset({NamePrefix.MASTER.value, NamePrefix.GIRL.value})


def _may_be_under_guardian_age(age: int | None) -> bool:
    # ``User.age_in`` is the difference of the years: before their birthday a person is a year younger than it says,
    # so a computed 10 may be 9.
    return age is not None and age <= GUARDIAN_CONSENT_AGE


def needs_guardian_consent(user: User) -> bool:
    """Whether consent for ``user`` must come from a guardian (PDPA: under 10 years old): the one rule for every
    consent (``consent_grant``, the consent to publish an honour).

    With a birth year, when the person may be under 10 (a computed age of 10 or less: the birthday may not have
    come yet). Without one, when the name's prefix is a child's (เด็กชาย, เด็กหญิง); anyone else without a birth year
    is taken to be an adult, so that adults who never gave their birth year can still consent themselves. A birth
    year that says a person may be under 10 cannot be cleared (``user_update_profile``), only corrected.
    """
    if user.birth_year:
        return _may_be_under_guardian_age(user.age_in())
    return user.prefix in CHILD_PREFIXES


def consent_active(user: User, purpose: str) -> bool:
    return consents_in_force(purpose).filter(user=user).exists()


def users_lock(user_ids: Iterable[int], *, active: bool = False) -> list[int]:
    """Hold people's account rows until the transaction ends, in ascending id order (the order every service takes
    them in, before wallets and other rows), FOR NO KEY UPDATE: foreign-key checks on them do not wait. An erasure
    holds the row (FOR UPDATE) while it cuts the person out, so whatever a caller reads after this sees what it
    committed. With ``active``, only active accounts are locked. Returns the ids locked, in one query for any
    number of people. On SQLite, write transactions run one at a time anyway."""
    users = User.objects.select_for_update(no_key=True).filter(pk__in=sorted(set(user_ids)))
    if active:
        users = users.filter(is_active=True)
    return list(users.order_by("pk").values_list("pk", flat=True))


@transaction.atomic
def consent_grant(*, actor: Actor, user: User, purpose: str, guardian_name: str = "") -> Consent:
    """Record consent for one optional purpose. For a person who may be under 10 years old
    (``needs_guardian_consent``), a guardian must give it (named here).

    Granting twice keeps the first active grant, also when both arrive at once (the person's row is locked first).
    """
    if purpose not in ConsentPurpose.values:
        raise ConsentError()
    if needs_guardian_consent(user) and not guardian_name.strip():
        raise GuardianConsentRequiredError()
    if actor.pk != user.pk and not actor.is_superuser:
        # Consent is the person's own act. Someone else may only record a guardian's consent, named, for a person
        # who may be under 10, and only a member of their family whom the link's both sides confirmed.
        from thamdee.people.selectors import are_family

        if (
            not guardian_name.strip()
            or not needs_guardian_consent(user)
            or not isinstance(actor, User)
            or not are_family(actor, user)
        ):
            raise ConsentError()
    # The person's row first: with no grant yet, the FOR UPDATE below locks nothing, and a second grant at the same
    # moment would find none either and fail on the unique index instead of returning the first.
    users_lock([user.pk])
    existing = Consent.objects.select_for_update().filter(user=user, purpose=purpose, withdrawn_at__isnull=True)
    current = existing.first()
    if current:
        return current
    return Consent.objects.create(
        user=user,
        purpose=purpose,
        recorded_by=actor if actor.is_authenticated else None,
        guardian_name=guardian_name.strip()[:200],  # the column's length, as the honour's consent keeps it
    )


@transaction.atomic
def consent_withdraw(*, actor: Actor, user: User, purpose: str) -> int:
    """Withdraw consent for a purpose: as easy as giving it. Returns how many grants were withdrawn (0 or 1).

    The person may withdraw it, and a site admin; so may whoever recorded the grant in force as the person's
    guardian, and, while the person may be under 10 (``needs_guardian_consent``), any member of their family whom
    the link's both sides confirmed: those who may give a guardian's consent may take it back.
    """
    active = Consent.objects.select_for_update().filter(user=user, purpose=purpose, withdrawn_at__isnull=True)
    if actor.pk != user.pk and not actor.is_superuser and not _may_withdraw_as_guardian(actor, user, active):
        raise ConsentError()
    return active.update(withdrawn_at=timezone.now())


def _may_withdraw_as_guardian(actor: Actor, user: User, active: Any) -> bool:
    if not isinstance(actor, User) or actor.pk is None:
        return False
    if active.filter(recorded_by=actor).exclude(guardian_name="").exists():
        return True
    from thamdee.people.selectors import are_family

    return needs_guardian_consent(user) and are_family(actor, user)


def family_link_add(*, actor: User, relative_mobile: str, relation: str) -> FamilyLink:
    """Name a family member by their mobile number. The link counts (gifts to family) once they confirm it
    (``family_link_confirm``), or at once if they had named the actor too (also when both do it at the same moment:
    the two people's rows are locked, so they take turns); until then the actor is not shown their name, so a
    mobile number does not tell who holds it. The person named is told in their inbox. Adding the same person again
    updates the relation.

    The answer still tells whether an account uses the number (``FamilyNotFoundError``), so each try counts as a
    lookup of the actor's (see ``user_update_profile``), found or not."""
    mobile_value = mobile_normalise(relative_mobile)
    _lookup_take(actor)
    return _family_link_add(actor, mobile_value, relation)


@transaction.atomic
def _family_link_add(actor: User, mobile_value: str, relation: str) -> FamilyLink:
    from thamdee.inbox.services import notify
    from thamdee.people.errors import FamilyNotFoundError, FamilySelfError

    relative = User.objects.filter(mobile=mobile_value, is_active=True).first()
    if relative is None:
        raise FamilyNotFoundError()
    if relative.pk == actor.pk:
        raise FamilySelfError()
    if relation not in FamilyRelation.values:
        raise ConsentError()
    # Both people's rows, in ascending order: two people naming each other at the same moment take turns, and the
    # second sees the first's link (else neither would see the other's uncommitted link, and both stay unconfirmed).
    users_lock([actor.pk, relative.pk])
    link, created = FamilyLink.objects.update_or_create(user=actor, relative=relative, defaults={"relation": relation})
    if link.confirmed_at is None:
        mutual = FamilyLink.objects.filter(user=relative, relative=actor).first()
        if mutual is not None:  # each named the other: both links stand
            now = timezone.now()
            FamilyLink.objects.filter(pk__in=[link.pk, mutual.pk]).update(confirmed_at=now)
            link.confirmed_at = now
        elif created:
            notify(
                user=relative,
                kind="family_request",
                title=_("{name} ขอเพิ่มคุณเป็นครอบครัว"),
                body=_("ยืนยันหรือปฏิเสธได้ที่หน้าครอบครัวของฉัน"),
                url="/accounts/me/family/",
                name=actor.full_name,
                about=actor,
            )
    return link


@transaction.atomic
def family_link_confirm(*, actor: User, link_id: int) -> FamilyLink:
    """The person named confirms: the link counts from now."""
    link = FamilyLink.objects.select_for_update().filter(pk=link_id, relative=actor, confirmed_at__isnull=True).first()
    if link is None:
        raise NotFoundError()
    link.confirmed_at = timezone.now()
    link.save(update_fields=["confirmed_at"])
    return link


@transaction.atomic
def family_link_decline(*, actor: User, link_id: int) -> int:
    """The person named says no: the request is removed."""
    deleted, _rows = FamilyLink.objects.filter(pk=link_id, relative=actor, confirmed_at__isnull=True).delete()
    return deleted


@transaction.atomic
def family_link_remove(*, actor: User, link_id: int) -> int:
    """Either side ends a link: who named the other, or the person named (a link either of them made stands only
    while both want it). Anyone else's link is left alone (0)."""
    deleted, _rows = FamilyLink.objects.filter(Q(user=actor) | Q(relative=actor), pk=link_id).delete()
    return deleted
