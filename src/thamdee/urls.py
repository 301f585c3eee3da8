"""The site's URLs. Each part of the domain mounts its own; parts not yet built simply are not listed."""

from __future__ import annotations

from importlib import util

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("ทำดี · ผู้ดูแลระบบ")
admin.site.site_title = _("ทำดี")
admin.site.index_title = _("การจัดการ")

urlpatterns = [
    path("", include("thamdee.web.urls")),
    path("accounts/", include("thamdee.people.urls")),
    path("areas/", include("thamdee.areas.urls")),
    path("orgs/", include("thamdee.orgs.urls")),
    path("inbox/", include("thamdee.inbox.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("thamdee.api.urls")),
    path("admin/", admin.site.urls),
]

# Parts of the domain that have web pages mount them here.
for prefix, module in [
    ("passbook/", "thamdee.ledger.urls"),
    ("rules/", "thamdee.creditrules.urls"),
    ("deeds/", "thamdee.deeds.urls"),
    ("benefits/", "thamdee.rewards.urls"),
    ("recognition/", "thamdee.recognition.urls"),
    ("review/", "thamdee.anomalies.urls"),
    ("assessments/", "thamdee.assessments.urls"),
    ("reports/", "thamdee.reports.urls"),
    ("privacy/", "thamdee.privacy.urls"),
]:
    if util.find_spec(module) is not None:
        urlpatterns.append(path(prefix, include(module)))

handler400 = "thamdee.web.errors.bad_request"
handler403 = "thamdee.web.errors.permission_denied"
handler404 = "thamdee.web.errors.not_found"
handler500 = "thamdee.web.errors.server_error"
