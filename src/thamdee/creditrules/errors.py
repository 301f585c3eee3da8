from django.utils.translation import gettext_lazy as _

from thamdee.common.errors import ConflictError, ValidationError


class RulesInvalidError(ValidationError):
    code = "rules_invalid"
    message = _("กติกาไม่ถูกต้อง: {problems}")


class RetroactiveRuleError(ValidationError):
    code = "rules_retroactive"
    message = _(
        "กติกาฉบับใหม่ต้องมีผลหลังฉบับก่อนหน้า และตั้งแต่พรุ่งนี้เป็นต้นไป "
        "(มีผลวันนี้ได้เฉพาะเมื่อยังไม่มีกติกาใดใช้กับความดีเหล่านี้) ไม่ใช้ย้อนหลังกับความดีที่ทำไปแล้ว"
    )


class VersionPublishedError(ConflictError):
    code = "rules_version_published"
    message = _("กติกาฉบับนี้ประกาศแล้ว แก้ไขไม่ได้ ให้ร่างฉบับใหม่")


class DraftChangedError(ConflictError):
    code = "rules_draft_changed"
    message = _("ร่างกติกานี้ถูกแก้ไขหลังจากที่คุณเปิดดู ยังไม่ได้ประกาศ ให้ตรวจดูร่างล่าสุดแล้วประกาศอีกครั้ง")
