from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeedsConfig(AppConfig):
    name = "thamdee.deeds"
    label = "deeds"
    verbose_name = _("ความดี")
