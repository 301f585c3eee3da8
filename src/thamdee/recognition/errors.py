from django.utils.translation import gettext_lazy as _

from thamdee.common.errors import ConflictError, DomainError, PermissionDeniedError, ValidationError


class RoundStateError(ConflictError):
    code = "round_state"
    message = _('ทำรายการนี้ไม่ได้เมื่อรอบคัดเลือกอยู่ในสถานะ "{status}"')


class PanelTooSmallError(ValidationError):
    code = "panel_too_small"
    message = _("คณะกรรมการต้องมีอย่างน้อย {minimum} คน")


class CriteriaRequiredError(ValidationError):
    code = "criteria_required"
    message = _("โปรดระบุเกณฑ์การพิจารณาเป็นลายลักษณ์อักษรอย่างน้อยหนึ่งข้อ คะแนนเต็มข้อละ 1-100")


class RoundAreaError(ValidationError):
    code = "round_area"
    message = _("พื้นที่ไม่ตรงกับระดับของรอบคัดเลือก")


class NomineeNotMemberError(ValidationError):
    code = "nominee_not_member"
    message = _("ผู้ได้รับการเสนอชื่อต้องเป็นสมาชิกขององค์กรที่เสนอชื่อ")


class NominationOutsideAreaError(ValidationError):
    code = "nomination_outside_area"
    message = _("องค์กรนี้อยู่นอกพื้นที่ของรอบคัดเลือก")


class NominationExistsError(ConflictError):
    code = "nomination_exists"
    message = _("บุคคลนี้ได้รับการเสนอชื่อในประเภทนี้ของรอบนี้แล้ว")


class ReasonsRequiredError(ValidationError):
    code = "reasons_required"
    message = _("โปรดระบุเหตุผลที่เสนอชื่อ")


class ConflictOfInterestError(PermissionDeniedError):
    code = "conflict_of_interest"
    message = _("กรรมการที่เป็นสมาชิกขององค์กรที่เสนอชื่อ หรือเป็นผู้ได้รับการเสนอชื่อเอง ให้คะแนนรายการนี้ไม่ได้")


class ScoreRangeError(ValidationError):
    code = "score_range"
    message = _('คะแนนของเกณฑ์ "{criterion}" ต้องอยู่ระหว่าง 0 ถึง {maximum}')


class ScoresIncompleteError(ValidationError):
    code = "scores_incomplete"
    message = _("กรรมการที่ไม่มีส่วนได้เสียต้องให้คะแนนครบทุกเกณฑ์ก่อนคัดเลือก (ยังขาด {missing} คน)")


class AlreadySelectedError(ConflictError):
    code = "category_already_selected"
    message = _("ประเภทนี้มีผู้ได้รับคัดเลือกแล้ว")


class ConsentStateError(ConflictError):
    code = "consent_state"
    message = _('ทำรายการนี้ไม่ได้เมื่อความยินยอมอยู่ในสถานะ "{status}"')


class GuardianConsentRequiredError(ValidationError):
    code = "guardian_consent_required"
    message = _("ผู้ที่อายุต่ำกว่า 10 ปีต้องมีผู้ปกครองให้ความยินยอม โปรดระบุชื่อผู้ปกครอง")


class CredentialRevokedError(ConflictError):
    code = "credential_revoked"
    message = _("ใบรับรองนี้ถูกเพิกถอนแล้ว")


class KeyUnavailableError(DomainError):
    """The private key file of an issuer is missing or unreadable: nothing can be signed until it is restored or
    the key is rotated (``thamdee`` admin)."""

    code = "issuer_key_unavailable"
    status = 503
    message = _("ยังลงนามใบรับรองไม่ได้ในขณะนี้ โปรดแจ้งผู้ดูแลระบบ")


class CompromiseNoteRequiredError(ValidationError):
    code = "compromise_note_required"
    message = _("โปรดบันทึกเหตุที่แจ้งว่ากุญแจไม่ปลอดภัย (ไม่เกิน 300 ตัวอักษร)")
