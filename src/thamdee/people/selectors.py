from __future__ import annotations

from thamdee.people.models import Consent, User


def user_get_by_public_id(public_id: str) -> User | None:
    return User.objects.filter(public_id=public_id).first()


def consent_list_for(user: User) -> list[Consent]:
    return list(Consent.objects.filter(user=user).order_by("-granted_at"))


def consent_purposes_active(user: User) -> set[str]:
    return set(Consent.objects.filter(user=user, withdrawn_at__isnull=True).values_list("purpose", flat=True))
