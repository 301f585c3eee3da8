from __future__ import annotations

from thamdee.people.models import Consent, User


def user_get_by_public_id(public_id: str) -> User | None:
    return User.objects.filter(public_id=public_id).first()


def consent_list_for(user: User) -> list[Consent]:
    return list(Consent.objects.filter(user=user).order_by("-granted_at"))


def consent_purposes_active(user: User) -> set[str]:
    return set(Consent.objects.filter(user=user, withdrawn_at__isnull=True).values_list("purpose", flat=True))


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
