from django.utils.translation import gettext_lazy as _

from thamdee.common.errors import ConflictError, DomainError, PermissionDeniedError, ValidationError


class PartnerKindError(ValidationError):
    code = "partner_kind_not_allowed"
    message = _("องค์กรประเภทนี้เป็นภาคีมอบสิทธิประโยชน์ไม่ได้")


class PublicServicePartnerError(ValidationError):
    code = "public_service_partner"
    message = _(
        "ผู้ให้บริการสาธารณะ (สุขภาพ การศึกษา สวัสดิการ หน่วยงานรัฐ) เป็นภาคีมอบสิทธิประโยชน์ไม่ได้ "
        "เพราะเครดิตต้องไม่เป็นเงื่อนไขของสิทธิหรือบริการสาธารณะ"
    )


class PartnerAlreadyAppliedError(ConflictError):
    code = "partner_already_applied"
    message = _("องค์กรนี้สมัครเป็นภาคีแล้ว")


class OfferInvalidError(ValidationError):
    code = "offer_invalid"
    message = _("ข้อมูลสิทธิประโยชน์ไม่ถูกต้อง: {reason}")


class OfferLockedError(DomainError):
    code = "offer_locked"
    status = 403
    message = _("ยังไม่ถึงเงื่อนไขของสิทธิประโยชน์นี้: {condition}")


class OutOfStockError(ConflictError):
    code = "out_of_stock"
    message = _("สิทธิประโยชน์นี้ถูกแลกครบจำนวนแล้ว")


class MemberLimitError(ConflictError):
    code = "member_limit_reached"
    message = _("คุณแลกสิทธิประโยชน์นี้ครบ {limit} ครั้งแล้ว")


class VoucherAlreadyUsedError(ConflictError):
    code = "voucher_already_used"
    message = _("คูปองนี้ถูกใช้ไปแล้ว")


class VoucherExpiredError(ConflictError):
    code = "voucher_expired"
    message = _("คูปองนี้หมดอายุแล้ว")


class VoucherCancelledError(ConflictError):
    code = "voucher_cancelled"
    message = _("คูปองนี้ถูกยกเลิกแล้ว")


class VoucherNotCancellableError(ConflictError):
    code = "voucher_not_cancellable"
    message = _("ยกเลิกคูปองนี้ไม่ได้ เพราะใช้แล้ว ยกเลิกแล้ว หรือหมดอายุแล้ว")


class VoucherOwnConfirmationError(PermissionDeniedError):
    """A cashier who is also a member does not confirm the voucher they spent their own credits on."""

    code = "voucher_own_confirmation"
    message = _("ยืนยันคูปองของตัวเองไม่ได้ ให้พนักงานคนอื่นของภาคีเป็นผู้ยืนยัน")


class PartnerNotAppliedError(ConflictError):
    code = "partner_not_applied"
    message = _("องค์กรนี้ยังไม่ได้สมัครเป็นภาคีมอบสิทธิประโยชน์")


class SettlementMonthOpenError(ValidationError):
    code = "settlement_month_open"
    message = _("ยังชำระบัญชีเดือนนี้ไม่ได้ เพราะเดือนยังไม่สิ้นสุด หรือเพิ่งสิ้นสุดไม่ถึงหนึ่งชั่วโมง")


class NothingToSettleError(ValidationError):
    code = "nothing_to_settle"
    message = _("เดือนนี้ไม่มีคูปองที่ใช้แล้วให้ชำระบัญชี")


class AlreadySettledError(ConflictError):
    code = "already_settled"
    message = _("เดือนนี้ชำระบัญชีกับภาคีนี้แล้ว")


class SettlementChangedError(ConflictError):
    code = "settlement_changed"
    message = _("ยอดที่ต้องชำระเปลี่ยนไปแล้ว (ตอนนี้ {credits} เครดิต) โปรดเปิดใบสรุปอีกครั้งแล้วตรวจสอบก่อนบันทึก")


class SettlementReversedError(ConflictError):
    code = "settlement_already_reversed"
    message = _("การชำระบัญชีนี้ถูกกลับรายการแล้ว")


class SettlementInvalidError(ValidationError):
    code = "settlement_invalid"
    message = _("ข้อมูลการชำระบัญชีไม่ถูกต้อง: {reason}")
