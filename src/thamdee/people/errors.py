from django.utils.translation import gettext_lazy as _

from thamdee.common.errors import ConflictError, ValidationError


class InvalidNationalIdError(ValidationError):
    code = "national_id_invalid"
    message = _("เลขประจำตัวประชาชนไม่ถูกต้อง (ต้องเป็นตัวเลข 13 หลักและหลักสุดท้ายตรวจสอบได้)")


class NationalIdTakenError(ConflictError):
    code = "national_id_taken"
    message = _("เลขประจำตัวประชาชนนี้มีบัญชีอยู่แล้ว หนึ่งคนมีได้บัญชีเดียว")


class InvalidMobileError(ValidationError):
    code = "mobile_invalid"
    message = _("เบอร์มือถือไม่ถูกต้อง (ต้องเป็นตัวเลข 10 หลัก ขึ้นต้นด้วย 06 08 หรือ 09)")


class MobileTakenError(ConflictError):
    code = "mobile_taken"
    message = _("เบอร์มือถือนี้มีบัญชีอยู่แล้ว")


class UsernameTakenError(ConflictError):
    code = "username_taken"
    message = _("ชื่อผู้ใช้นี้มีคนใช้แล้ว")


class BirthYearError(ValidationError):
    code = "birth_year_invalid"
    message = _("ปีเกิดไม่ถูกต้อง")


class HomeAreaError(ValidationError):
    code = "home_area_invalid"
    message = _("ที่อยู่ต้องเป็นตำบล/แขวง หรือหมู่บ้าน")


class SignUpNotPossibleError(ValidationError):
    """Any clash with an existing account at the public sign-up. It names neither the number nor the field, so
    that the form does not tell whether a mobile number or national ID belongs to a member."""

    code = "signup_not_possible"
    message = _(
        "สมัครด้วยเบอร์มือถือหรือเลขประจำตัวประชาชนนี้ไม่ได้ ถ้าเคยสมัครไว้แล้ว โปรดเข้าสู่ระบบ "
        "ถ้าลืมรหัสผ่านหรือคิดว่ามีผู้อื่นใช้ข้อมูลของคุณ โปรดติดต่อผู้ประสานงาน"
    )


class SignUpRateLimitedError(ValidationError):
    code = "signup_rate_limited"
    status = 429
    message = _(
        "มีการสมัครสมาชิกจากเครือข่ายนี้ หรือด้วยเบอร์มือถือหรือเลขประจำตัวประชาชนนี้ บ่อยเกินไป "
        "โปรดรอหนึ่งชั่วโมงแล้วลองใหม่ หรือขอให้ผู้ประสานงานขององค์กรลงทะเบียนให้"
    )


class WeakPasswordError(ValidationError):
    code = "password_invalid"
    message = _("รหัสผ่านใช้ไม่ได้: {reasons}")


class CurrentPasswordError(ValidationError):
    """A new password or a new mobile number (the name that signs in) asked for without the account's current
    password, or with a wrong one."""

    code = "current_password_invalid"
    message = _("รหัสผ่านปัจจุบันไม่ถูกต้อง ต้องใส่รหัสผ่านปัจจุบันเพื่อเปลี่ยนรหัสผ่านหรือเบอร์มือถือ")


class CurrentPasswordRateLimitedError(ValidationError):
    code = "current_password_rate_limited"
    status = 429
    message = _("ใส่รหัสผ่านปัจจุบันผิดบ่อยเกินไป โปรดรอหนึ่งชั่วโมงแล้วลองใหม่ หรือติดต่อผู้ประสานงาน")


class ConsentError(ValidationError):
    code = "consent_invalid"
    message = _("การให้ความยินยอมไม่ถูกต้อง")


class GuardianConsentRequiredError(ValidationError):
    code = "guardian_consent_required"
    message = _("ผู้ที่อายุต่ำกว่า 10 ปี ต้องให้ผู้ปกครองเป็นผู้ให้ความยินยอม")


class LockedOutError(ValidationError):
    code = "locked_out"
    status = 429
    message = _("ใส่รหัสผ่านผิดหลายครั้งสำหรับบัญชีนี้ โปรดรอ 15 นาทีแล้วลองใหม่ หรือติดต่อผู้ประสานงาน")


class FamilySelfError(ValidationError):
    code = "family_self"
    message = _("เพิ่มตัวเองเป็นญาติไม่ได้")


class FamilyNotFoundError(ValidationError):
    code = "family_not_found"
    status = 404
    message = _("ไม่พบบัญชีที่ใช้เบอร์มือถือนี้")


class LookupRateLimitedError(ValidationError):
    """Too many signed-in tries with a mobile number or national ID (a new one on the profile, a family member by
    mobile number) in an hour: each answer tells whether an account holds the number."""

    code = "lookup_rate_limited"
    status = 429
    message = _("ลองใช้เบอร์มือถือหรือเลขประจำตัวประชาชนบ่อยเกินไป โปรดรอหนึ่งชั่วโมงแล้วลองใหม่ หรือติดต่อผู้ประสานงาน")
