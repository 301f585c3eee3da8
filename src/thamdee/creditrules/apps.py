from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditrulesConfig(AppConfig):
    name = "thamdee.creditrules"
    label = "creditrules"
    verbose_name = _("กติกาเครดิต")
