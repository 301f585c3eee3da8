from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    name = "thamdee.rewards"
    label = "rewards"
    verbose_name = _("สิทธิประโยชน์")

    def ready(self) -> None:
        from thamdee.ledger.causes import register
        from thamdee.ledger.models import CauseKind
        from thamdee.rewards.selectors import describe_vouchers

        register(CauseKind.VOUCHER, describe_vouchers)
