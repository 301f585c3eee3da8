from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecognitionConfig(AppConfig):
    name = "thamdee.recognition"
    label = "recognition"
    verbose_name = _("การยกย่อง")

    def ready(self) -> None:
        from thamdee.assessments import hooks as assessments
        from thamdee.deeds import hooks
        from thamdee.recognition.services import recognise_verified, result_recognise

        hooks.on_verified(recognise_verified)
        assessments.on_confirmed(result_recognise)
