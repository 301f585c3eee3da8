from django.utils.translation import gettext_lazy as _

from thamdee.common.errors import ConflictError, ValidationError


class InsufficientCreditsError(ConflictError):
    code = "insufficient_credits"
    message = _("เครดิตไม่พอสำหรับรายการนี้")


class AllotmentExhaustedError(InsufficientCreditsError):
    code = "allotment_exhausted"
    message = _("โควตาการให้เครดิตขององค์กรไม่พอ โปรดติดต่อหน่วยงานเพื่อเติมโควตา")


class IdempotencyConflictError(ConflictError):
    code = "idempotency_key_reused"
    message = _("กุญแจกันรายการซ้ำนี้เคยใช้กับรายการอื่นแล้ว")


class UnbalancedJournalError(ValidationError):
    code = "journal_unbalanced"
    message = _("รายการบัญชีต้องมีอย่างน้อยสองขาและผลรวมเป็นศูนย์")


class InvalidAmountError(ValidationError):
    code = "amount_invalid"
    message = _("จำนวนเครดิตต้องเป็นจำนวนเต็มบวก")


class AlreadyReversedError(ConflictError):
    code = "already_reversed"
    message = _("รายการนี้ถูกกลับรายการไปแล้ว")


class NotReversibleError(ValidationError):
    code = "not_reversible"
    message = _("กลับรายการนี้ไม่ได้")


class GiftToSelfError(ValidationError):
    code = "gift_to_self"
    message = _("มอบเครดิตให้ตัวเองไม่ได้")


class GiftRecipientError(ValidationError):
    code = "gift_recipient_not_allowed"
    message = _("มอบเครดิตได้เฉพาะคนในครอบครัว หรือสมาชิกองค์กรเดียวกัน")


class DailyLimitError(ValidationError):
    code = "daily_limit"
    message = _("เกินวงเงินมอบหรือบริจาคต่อวัน (เหลือวันนี้ {remaining} เครดิต)")


class GiftTooLargeError(ValidationError):
    code = "gift_too_large"
    message = _("มอบหรือบริจาคได้ไม่เกิน {maximum} เครดิตต่อครั้ง")


class DonationTargetError(ValidationError):
    code = "donation_target_not_allowed"
    message = _("องค์กรนี้ไม่ได้รับบริจาคเครดิต")


class ProgrammeInactiveError(ValidationError):
    code = "programme_inactive"
    message = _("โครงการนี้ปิดแล้ว")


class BudgetExceededError(ConflictError):
    code = "budget_exceeded"
    message = _("เกินงบเครดิตของโครงการในปีงบประมาณนี้ (เหลือ {remaining} เครดิต)")


class BudgetBelowIssuedError(ValidationError):
    code = "budget_below_issued"
    message = _("งบเครดิตต้องไม่น้อยกว่าที่ออกไปแล้วในปีนี้ ({issued} เครดิต)")


class AccountKindNotAllowedError(ValidationError):
    code = "account_not_allowed"
    message = _("รายการชนิดนี้ใช้บัญชีนี้ไม่ได้")


class FiscalYearOutOfRangeError(ValidationError):
    code = "fiscal_year_out_of_range"
    message = _("ปีงบประมาณต้องอยู่ระหว่าง ค.ศ. {minimum} ถึง {maximum}")


class TopUpYearNotAllowedError(ValidationError):
    code = "top_up_year_not_allowed"
    message = _("เติมโควตาได้เฉพาะปีงบประมาณนี้ หรือปีงบประมาณหน้าที่กำหนดงบเครดิตไว้แล้ว")
