from django.utils.translation import gettext_lazy as _

from thamdee.common.errors import ConflictError, ValidationError


class AnomalyAlreadyReviewedError(ConflictError):
    code = "anomaly_already_reviewed"
    message = _("รายการนี้ตรวจทานแล้ว")


class AnomalyReviewInvalidError(ValidationError):
    code = "anomaly_review_invalid"
    message = _("ข้อมูลการตรวจทานไม่ถูกต้อง: {reason}")
