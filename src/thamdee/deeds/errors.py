from django.utils.translation import gettext_lazy as _

from thamdee.common.errors import ConflictError, PermissionDeniedError, ValidationError


class SelfVerificationError(PermissionDeniedError):
    code = "self_verification"
    message = _("รับรองความดีของตัวเองไม่ได้ ต้องให้ผู้รับรองคนอื่น")


class SelfReversalError(PermissionDeniedError):
    code = "self_reversal"
    message = _("กลับรายการความดีของตัวเองไม่ได้ ต้องให้ผู้รับรองคนอื่น")


class SameApproverError(PermissionDeniedError):
    code = "second_approver_same"
    message = _("รายการนี้ต้องมีผู้รับรองสองคนที่ต่างกัน คุณรับรองเป็นคนแรกไปแล้ว")


class AgencyVerifiesTemplatesOnlyError(ValidationError):
    code = "agency_verifies_templates_only"
    message = _(
        "หน่วยงานรับรองเฉพาะความดีตามแม่แบบระดับชาติที่หน่วยงานกำหนดให้หน่วยงานรับรอง ประเภทความดีอื่นขององค์กรต้องให้ผู้รับรองขององค์กรรับรอง"
    )


class DeedTypeSplitError(ValidationError):
    """A deed type counts under at least one virtue and one dimension, each a known (active) one: the dashboards'
    virtues and dimensions must not leave a type's deeds out (docs/authorisation.md)."""

    code = "deed_type_virtue_and_dimension"
    message = _("ประเภทความดีต้องมีคุณธรรมอย่างน้อยหนึ่งข้อและมิติอย่างน้อยหนึ่งมิติ ที่มีอยู่ในระบบ: {unknown}")


class DeedTypeMainError(ValidationError):
    """A type's main virtue (dimension), under which the agencies' figures count its deeds, is one of its own."""

    code = "deed_type_main_not_chosen"
    message = _("คุณธรรมหลักและมิติหลักต้องเป็นข้อที่เลือกไว้สำหรับประเภทนี้: {code}")


class DeedTypeInUseError(ConflictError):
    code = "deed_type_in_use"
    message = _(
        "เปลี่ยนหน่วย รอบ หรือความเป็นข้อมูลอ่อนไหวของประเภทความดีที่มีการบันทึกความดีแล้วไม่ได้ "
        "เพราะความดีที่บันทึกไว้นับตามค่าเดิม ให้ปิดใช้งานประเภทนี้แล้วเพิ่มประเภทใหม่แทน"
    )


class DeedTypeCodeTakenError(ValidationError):
    """A code names one type in an organisation's catalogue, or one national template of a programme. A 400, not
    the 409 of other "taken" errors: the API answered 400 before the check moved into the services."""

    code = "deed_type_code_taken"
    message = _("รหัสนี้มีอยู่แล้วในรายการขององค์กร")
    template_message = _("รหัสนี้มีอยู่แล้วในแม่แบบของโครงการ")

    def __init__(self, *, template: bool = False) -> None:
        super().__init__(self.template_message if template else None)

    def as_problem(self) -> dict:
        data = super().as_problem()
        # Also as the field error on ``code`` that API clients read before the refusal had its own code.
        data["errors"] = {"code": [data["detail"]]}
        return data


class DeedStateError(ConflictError):
    code = "deed_state"
    message = _('ทำรายการนี้กับความดีที่มีสถานะ "{status}" ไม่ได้')


class DeedDateError(ValidationError):
    code = "deed_date"
    message = _("วันที่ทำความดีต้องไม่เป็นวันในอนาคต และย้อนหลังได้ไม่เกิน {days} วัน")


class NotAMemberError(ValidationError):
    code = "not_a_member"
    message = _("ผู้ทำความดีต้องเป็นสมาชิกขององค์กรที่ดูแลรายการความดีนี้")


class DeedTypeInactiveError(ValidationError):
    code = "deed_type_inactive"
    message = _("ประเภทความดีนี้ปิดใช้งานแล้ว")


class SensitiveConsentError(ValidationError):
    code = "sensitive_consent_required"
    message = _('ความดีประเภทนี้เป็นข้อมูลอ่อนไหว บันทึกได้เมื่อสมาชิกให้ความยินยอมไว้ในหน้า "ข้อมูลของฉัน"')


class SensitiveConsentWithdrawnError(ValidationError):
    code = "sensitive_consent_withdrawn"
    message = _(
        "สมาชิกถอนความยินยอมให้ใช้ข้อมูลอ่อนไหวแล้ว จึงรับรองความดีประเภทนี้ไม่ได้ ปฏิเสธรายการนี้ได้ หรือรอให้สมาชิกให้ความยินยอมอีกครั้ง"
    )


class EvidenceRequiredError(ValidationError):
    code = "evidence_required"
    message = _("ความดีประเภทนี้ต้องแนบภาพถ่ายอย่างน้อยหนึ่งภาพ")


class AmountError(ValidationError):
    code = "deed_amount"
    message = _("จำนวนชั่วโมงหรือจำนวนครั้งไม่ถูกต้อง")


class AreaLevelError(ValidationError):
    code = "deed_area"
    message = _("โปรดระบุพื้นที่ถึงระดับตำบลหรือหมู่บ้าน")


class ReasonRequiredError(ValidationError):
    code = "reason_required"
    message = _("โปรดระบุเหตุผล")


class AppealWindowError(ValidationError):
    code = "appeal_window_closed"
    message = _("พ้นกำหนดอุทธรณ์แล้ว (อุทธรณ์ได้ภายใน {days} วัน)")


class AppealExistsError(ConflictError):
    code = "appeal_exists"
    message = _("ยื่นอุทธรณ์คำตัดสินนี้ไปแล้ว")


class AppealDeciderError(PermissionDeniedError):
    code = "appeal_decider_conflict"
    message = _("ผู้พิจารณาอุทธรณ์ต้องไม่ใช่ผู้ตัดสินเดิมและไม่ใช่ผู้อุทธรณ์")


class CheckinTokenError(ValidationError):
    code = "checkin_token_invalid"
    message = _("QR โค้ดนี้หมดอายุหรือไม่ถูกต้อง โปรดสแกนใหม่จากหน้าจอของผู้ประสานงาน")


class CheckinClosedError(ValidationError):
    code = "activity_closed"
    message = _("กิจกรรมนี้ไม่ได้เปิดเช็กอินในเวลานี้")


class AlreadyCheckedInError(ConflictError):
    code = "already_checked_in"
    message = _("คุณเช็กอินกิจกรรมนี้แล้ว")


class ImportFileError(ValidationError):
    code = "import_invalid"
    message = _("ไฟล์มีข้อผิดพลาด {count} แถว ยังไม่ได้นำเข้าข้อมูลใดเลย")
    problems: list = []  # importer.RowError, one per problem, by row

    def as_problem(self) -> dict:
        data = super().as_problem()
        data["rows"] = [
            {"row": p.row, "column": p.column, "detail_th": p.message_th, "detail_en": p.message_en}
            for p in self.problems
        ]
        return data


class BulkLimitError(ValidationError):
    code = "bulk_limit"
    message = _("รับรองได้ครั้งละไม่เกิน {limit} รายการ")


class IngestBusyError(ConflictError):
    code = "ingest_busy"
    message = _(
        "การนำเข้าแบบโหลดครั้งแรกต้องใช้ตารางความดี บัญชี และสรุปผลแต่เพียงผู้เดียว แต่ขณะนี้มีผู้ใช้งานอยู่ "
        "ยังไม่ได้นำเข้าข้อมูลใดเลย ลองใหม่เมื่อไม่มีผู้ใช้งาน หรือนำเข้าแบบปกติ"
    )
