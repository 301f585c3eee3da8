from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "thamdee.reports"
    label = "reports"
    verbose_name = _("รายงาน")

    def ready(self) -> None:
        # Rollups follow deeds and spending in the same transaction.
        from thamdee.deeds import hooks as deed_hooks
        from thamdee.ledger import hooks as ledger_hooks
        from thamdee.reports import rollups

        deed_hooks.on_changed(rollups.refresh_for_deeds)
        ledger_hooks.on_spent(rollups.refresh_spent)
