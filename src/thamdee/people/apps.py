from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "thamdee.people"
    label = "people"
    verbose_name = _("บุคคล")

    def ready(self) -> None:
        from thamdee.people import checks  # noqa: F401  (registers the key check)
