from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeedsConfig(AppConfig):
    name = "thamdee.deeds"
    label = "deeds"
    verbose_name = _("ความดี")

    def ready(self) -> None:
        from thamdee.deeds.causes import describe_deeds
        from thamdee.ledger.causes import register
        from thamdee.ledger.models import CauseKind

        register(CauseKind.DEED, describe_deeds)
