from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnomaliesConfig(AppConfig):
    name = "thamdee.anomalies"
    label = "anomalies"
    verbose_name = _("ตรวจทานรูปแบบที่ผิดปกติ")
