from django.utils.translation import gettext_lazy as _

from thamdee.common.errors import ConflictError, ValidationError


class StoryStateError(ConflictError):
    code = "story_state"
    message = _('ทำรายการนี้กับเรื่องเล่าที่มีสถานะ "{status}" ไม่ได้')


class BaselineError(ValidationError):
    code = "kpi_baseline_invalid"
    message = _("ค่าฐานต้องเป็นจำนวนเต็มไม่ติดลบ และปีฐานต้องเป็นปีงบประมาณที่ผ่านมา")


class TargetAreaLevelError(ValidationError):
    code = "target_area_level"
    message = _("พื้นที่เป้าหมายต้องเป็นจังหวัด อำเภอ หรือตำบล")


class StoryAreaError(ValidationError):
    code = "story_area"
    message = _("พื้นที่ของเรื่องเล่าต้องเป็นพื้นที่ขององค์กรหรือพื้นที่ที่อยู่ในนั้น")
