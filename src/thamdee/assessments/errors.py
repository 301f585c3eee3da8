from django.utils.translation import gettext_lazy as _

from thamdee.common.errors import ConflictError, ValidationError


class AssessmentNoFrameworkError(ConflictError):
    code = "assessment_no_framework"
    message = _("ยังไม่มีเกณฑ์การประเมินที่ใช้อยู่สำหรับ{subject}")


class AssessmentInvalidError(ValidationError):
    code = "assessment_invalid"
    message = _("ข้อมูลการประเมินไม่ถูกต้อง: {reason}")


class AssessmentNotEditableError(ConflictError):
    code = "assessment_not_editable"
    message = _("การประเมินนี้ส่งผลแล้ว แก้ไขไม่ได้ (สถานะ: {status})")


class AssessmentIncompleteError(ValidationError):
    code = "assessment_incomplete"
    message = _("ยังให้คะแนนไม่ครบ ขาดอีก {missing} รายการ: {numbers}")


class AssessmentNotSubmittedError(ConflictError):
    code = "assessment_not_submitted"
    message = _("การประเมินนี้ไม่ได้รอการรับรอง (สถานะ: {status})")


class AssessmentOwnReviewError(ValidationError):
    code = "assessment_own_review"
    message = _("ผู้ส่งผลการประเมินรับรองหรือส่งกลับผลของตนเองไม่ได้ ต้องเป็นผู้อื่น")


class AssessmentTooManyFilesError(ValidationError):
    code = "assessment_too_many_files"
    message = _("กิจกรรมที่ {number} มีไฟล์หลักฐานครบ {limit} ไฟล์แล้ว ลบไฟล์เดิมก่อนจึงจะเพิ่มได้")
