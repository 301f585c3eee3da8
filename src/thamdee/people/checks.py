"""System checks of the people app."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register, run_checks
from django.core.exceptions import ImproperlyConfigured

KEYS = "keys"


@register(KEYS, deploy=True)
def national_id_key_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Production hashes national IDs under a key given apart from the data (settings.national_id_hmac_key)."""
    if settings.NATIONAL_ID_HMAC_KEY:
        return []
    return [
        Error(
            "NATIONAL_ID_HMAC_KEY is not set.",
            hint=(
                "Set NATIONAL_ID_HMAC_KEY, or NATIONAL_ID_HMAC_KEY_FILE to a file outside THAMDEE_VAR_DIR. An "
                "installation that kept var/national_id_hmac_key moves that file and names it: never make a new "
                "key, or duplicate accounts go unseen. A laptop or demo sets DEBUG=1 or THAMDEE_DEV_KEYS=1 to have "
                "one made under var/. See docs/operations.md."
            ),
            id="people.E001",
        )
    ]


def refuse_without_keys() -> None:
    """For a process that runs no system checks (the web under gunicorn): stop if a key is missing."""
    errors = [message for message in run_checks(tags=[KEYS], include_deployment_checks=True) if message.is_serious()]
    if errors:
        raise ImproperlyConfigured("\n".join(str(error) for error in errors))
