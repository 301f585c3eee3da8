from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from thamdee.people.models import Consent, User


def consents_in_force(purpose: str) -> QuerySet[Consent]:
    """The grants of a purpose still in force (never withdrawn): what every check and page of consent reads."""
    return Consent.objects.filter(purpose=purpose, withdrawn_at__isnull=True)


def has_consent(purpose: str, person: str = "member_id") -> Exists:
    """For the rows of an outer query: whether the person it names (the column ``person``) consents to ``purpose``
    now."""
    return Exists(consents_in_force(purpose).filter(user_id=OuterRef(person)))


def user_get_by_public_id(public_id: str) -> User | None:
    return User.objects.filter(public_id=public_id).first()


def consent_list_for(user: User) -> list[Consent]:
    return list(Consent.objects.filter(user=user).order_by("-granted_at"))


def consent_purposes_active(user: User) -> set[str]:
    return set(Consent.objects.filter(user=user, withdrawn_at__isnull=True).values_list("purpose", flat=True))


def guardian_consents(actor: User, children: list[User]) -> list[tuple[User, set[str], set[str]]]:
    """For the family page: each child the actor may answer for as guardian, with the purposes consented to now and
    those of them the actor recorded. ``children``: the actor's confirmed family who may be under 10 (the caller
    decides, ``people.services.needs_guardian_consent``); anyone whose consent the actor recorded as guardian and
    that is still in force is added, as it stays theirs to withdraw after a family link ends."""
    recorded = Consent.objects.filter(recorded_by=actor, withdrawn_at__isnull=True).exclude(guardian_name="")
    recorded = recorded.exclude(user=actor)
    ids = {c.pk for c in children} | set(recorded.values_list("user_id", flat=True))
    people = {u.pk: u for u in User.objects.filter(pk__in=ids, is_active=True)}
    active: dict[int, set[str]] = {pk: set() for pk in people}
    mine: dict[int, set[str]] = {pk: set() for pk in people}
    for user_id, purpose, recorded_by_id, guardian in Consent.objects.filter(
        user_id__in=people, withdrawn_at__isnull=True
    ).values_list("user_id", "purpose", "recorded_by_id", "guardian_name"):
        active[user_id].add(purpose)
        if recorded_by_id == actor.pk and guardian:
            mine[user_id].add(purpose)
    ordered = sorted(people.values(), key=lambda u: (u.first_name, u.pk))
    return [(u, active[u.pk], mine[u.pk]) for u in ordered]


def family_of(user: User) -> list[User]:
    """The people a person named as family, and those who named them, once the link is confirmed."""
    from django.db.models import Q

    from thamdee.people.models import FamilyLink

    ids = set()
    links = FamilyLink.objects.filter(Q(user=user) | Q(relative=user), confirmed_at__isnull=False)
    for a, b in links.values_list("user_id", "relative_id"):
        ids.add(b if a == user.pk else a)
    return list(User.objects.filter(pk__in=ids).order_by("first_name"))


def are_family(a: User, b: User) -> bool:
    from django.db.models import Q

    from thamdee.people.models import FamilyLink

    return FamilyLink.objects.filter(Q(user=a, relative=b) | Q(user=b, relative=a), confirmed_at__isnull=False).exists()
