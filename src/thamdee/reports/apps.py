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
        from thamdee.reports import increments, rollups

        # Deeds that became verified (or were reinstated on appeal) now count; the change hook also sees
        # reversals, and only they leave deeds that no longer count.
        deed_hooks.on_verified(increments.deeds_now_count)
        deed_hooks.on_changed(increments.deeds_stopped_counting)
        deed_hooks.on_ingested(rollups.refresh_for_ingested)
        ledger_hooks.on_spent(rollups.refresh_spent)
