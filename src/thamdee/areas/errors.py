from django.utils.translation import gettext_lazy as _

from thamdee.common.errors import ConflictError, NotFoundError, ValidationError


class AreaNotFoundError(NotFoundError):
    code = "area_not_found"
    message = _("ไม่พบพื้นที่รหัส {area_code}")


class VillageParentError(ValidationError):
    code = "village_parent_not_subdistrict"
    message = _("หมู่บ้านต้องอยู่ในตำบล/แขวง")


class VillageNumberError(ValidationError):
    code = "village_number_invalid"
    message = _("หมู่ที่ต้องเป็นตัวเลข 1 ถึง 99")


class VillageExistsError(ConflictError):
    code = "village_exists"
    message = _("มีหมู่ที่ {number} ในตำบลนี้แล้ว")
