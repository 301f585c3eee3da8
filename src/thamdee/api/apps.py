from typing import Any

from django.apps import AppConfig
from django.core import checks


class ApiConfig(AppConfig):
    name = "thamdee.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from thamdee.api.throttling import count_files
        from thamdee.common import ratelimit

        checks.register(check_api_rates)
        ratelimit.register(count_files)


def check_api_rates(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A rate written wrong (``THAMDEE["API_RATES"]``, ``THAMDEE_API_RATE_*``) stops the site at start, with the
    rate named, instead of failing every API call."""
    from django.conf import settings

    from thamdee.api.throttling import parse_rate

    errors: list[checks.CheckMessage] = []
    rates = {**settings.THAMDEE.get("API_RATES", {}), "files": settings.THAMDEE.get("FILE_RATE")}
    for scope, rate in rates.items():
        try:
            parse_rate(rate)
        except ValueError as exc:
            errors.append(
                checks.Error(
                    f"อัตราการเรียก API '{scope}' เขียนไม่ถูกต้อง / API rate '{scope}' is not valid: {exc}",
                    hint="THAMDEE_API_RATE_USER, THAMDEE_API_RATE_ANON, THAMDEE_API_RATE_TOKEN, THAMDEE_FILE_RATE",
                    id="api.E001",
                )
            )
    return errors
