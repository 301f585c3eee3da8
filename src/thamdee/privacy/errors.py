"""Why a data-subject request cannot be met (yet). Each names what stands in the way, so the person or the site
admin knows what to do about it."""

from django.utils.translation import gettext_lazy as _

from thamdee.common.errors import ConflictError, ValidationError


class ErasureConfirmRequiredError(ValidationError):
    code = "erasure_confirm_required"
    message = _("โปรดยืนยันว่าเข้าใจผลของการลบข้อมูลก่อน")


class ErasureStateError(ConflictError):
    code = "erasure_state"
    message = _("คำขอลบข้อมูลนี้ทำรายการนี้ไม่ได้แล้ว (สถานะ: {status})")


class ErasureSiteAdminError(ConflictError):
    code = "erasure_site_admin"
    message = _("บัญชีผู้ดูแลระบบลบข้อมูลด้วยวิธีนี้ไม่ได้ ต้องถอดสิทธิ์ผู้ดูแลระบบออกก่อน")


class ErasureLastAdminError(ConflictError):
    code = "erasure_last_admin"
    message = _("บัญชีนี้เป็นผู้ดูแลคนสุดท้ายของ {organisation} ต้องแต่งตั้งผู้ดูแลคนอื่นก่อนจึงจะลบข้อมูลได้")


class ErasureOpenMattersError(ConflictError):
    code = "erasure_open_matters"
    message = _(
        "ยังมีเรื่องค้างอยู่: ความดีที่รอรับรอง {deeds} รายการ อุทธรณ์ที่รอพิจารณา {appeals} เรื่อง "
        "คูปองที่ยังไม่ได้ใช้ {vouchers} ใบ การเสนอชื่อที่กำลังพิจารณา {nominations} รายการ "
        "ที่นั่งในคณะกรรมการคัดเลือกที่ยังไม่ประกาศผล {panel_seats} รอบ "
        "ต้องให้เรื่องเหล่านี้เสร็จก่อนจึงจะลบข้อมูลได้"
    )
