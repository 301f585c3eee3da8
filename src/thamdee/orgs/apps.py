from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "thamdee.orgs"
    label = "orgs"
    verbose_name = _("องค์กรและเครือข่าย")

    def ready(self) -> None:
        from thamdee.orgs import permissions  # noqa: F401  registers the rules other apps ask for by name
