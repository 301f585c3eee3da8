from django.utils.translation import gettext_lazy as _

from thamdee.common.errors import ConflictError, ValidationError


class OrganisationNotFoundError(ValidationError):
    code = "organisation_not_found"
    status = 404
    message = _("ไม่พบองค์กรนี้")


class AlreadyMemberError(ConflictError):
    code = "already_member"
    message = _("บุคคลนี้เป็นสมาชิกขององค์กรนี้อยู่แล้ว")


class AlreadyInvitedError(ConflictError):
    code = "already_invited"
    message = _("ส่งคำเชิญถึงบุคคลนี้แล้ว รอการตอบรับ")


class RoleNotAllowedError(ValidationError):
    code = "role_not_allowed"
    status = 403
    message = _("คุณกำหนดบทบาท {role} ไม่ได้")


class LastAdminError(ConflictError):
    code = "last_admin"
    message = _("องค์กรต้องมีผู้ดูแลอย่างน้อยหนึ่งคน")


class PartnerStaffRoleError(ValidationError):
    code = "partner_staff_only_in_partner"
    message = _("บทบาทพนักงานภาคีใช้ได้เฉพาะองค์กรประเภทภาคีธุรกิจ")


class AgencyScopeError(ValidationError):
    code = "agency_scope_invalid"
    message = _("พื้นที่รับผิดชอบต้องเป็นจังหวัด อำเภอ หรือตำบล และหน่วยงานต้องเป็นประเภทหน่วยงาน")


class NetworkAreaError(ValidationError):
    code = "network_area_required"
    message = _("เครือข่ายเชิงพื้นที่ต้องระบุพื้นที่")


class AlreadyInNetworkError(ConflictError):
    code = "already_in_network"
    message = _("องค์กรนี้อยู่ในเครือข่ายแล้ว")
