"""Writes for the inbox."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise

from thamdee.common.errors import NotFoundError
from thamdee.inbox.models import Notification


def _render(text: str | Promise, params: dict[str, Any], lang: str) -> str:
    """A translated text (lazy ``_("...")``, written by us) is filled in with ``params``; any other text, such as
    a person's gift message or a verifier's reason, is kept exactly as written: never read as a format string,
    whose fields could reach into the parameters' attributes. Parameters are plain numbers and texts."""
    with translation.override(lang):
        value = str(text)
        if not isinstance(text, Promise):
            return value
        rendered_params = {k: (v if isinstance(v, int | float) else str(v)) for k, v in params.items()}
        try:
            return value.format(**rendered_params)
        except (KeyError, IndexError, ValueError, AttributeError):
            return value


def notify(
    *,
    user: Any,
    kind: str,
    title: str | Promise,
    body: str | Promise = "",
    url: str = "",
    about: Any = None,
    **params: Any,
) -> Notification:
    """Put a message in a person's inbox, written in Thai and English at once (lazy texts are translated).
    ``about``: the other person the message names or quotes, so that erasing their data clears it here too."""
    return Notification.objects.create(
        user=user,
        kind=kind,
        title_th=_render(title, params, "th")[:200],
        title_en=_render(title, params, "en")[:200],
        body_th=_render(body, params, "th"),
        body_en=_render(body, params, "en"),
        url=url,
        about=about,
    )


def notify_many(
    *, users: list[Any], kind: str, title: str | Promise, body: str | Promise = "", url: str = "", **params: Any
) -> int:
    rows = [
        Notification(
            user=user,
            kind=kind,
            title_th=_render(title, params, "th")[:200],
            title_en=_render(title, params, "en")[:200],
            body_th=_render(body, params, "th"),
            body_en=_render(body, params, "en"),
            url=url,
        )
        for user in users
    ]
    Notification.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


@transaction.atomic
def notification_mark_read(*, actor: Any, public_id: Any) -> Notification:
    try:
        item = Notification.objects.get(public_id=public_id, user_id=actor.pk)
    except (Notification.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFoundError() from None
    if item.read_at is None:
        item.read_at = timezone.now()
        item.save(update_fields=["read_at"])
    return item


@transaction.atomic
def notification_mark_all_read(*, actor: Any) -> int:
    return Notification.objects.filter(user_id=actor.pk, read_at__isnull=True).update(read_at=timezone.now())
