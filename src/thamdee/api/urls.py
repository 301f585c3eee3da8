from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from thamdee.api.endpoints import areas, ledger, orgs, people

app_name = "api"

v1 = [
    path("auth/token/", people.TokenApi.as_view(), name="token"),
    path("me/", people.MeApi.as_view(), name="me"),
    path("me/national-id/", people.MeNationalIdApi.as_view(), name="me-national-id"),
    path("notifications/", people.NotificationListApi.as_view(), name="notifications"),
    path("notifications/<uuid:public_id>/read/", people.NotificationReadApi.as_view(), name="notification-read"),
    path("areas/", areas.AreaListApi.as_view(), name="areas"),
    path("areas/<str:code>/", areas.AreaDetailApi.as_view(), name="area"),
    path("organisations/", orgs.OrganisationListApi.as_view(), name="organisations"),
    path("organisations/<uuid:public_id>/", orgs.OrganisationDetailApi.as_view(), name="organisation"),
    path("organisations/<uuid:public_id>/memberships/", orgs.OrganisationMembershipsApi.as_view(),
         name="organisation-memberships"),
    path("memberships/<uuid:public_id>/", orgs.MembershipDetailApi.as_view(), name="membership"),
    path("networks/", orgs.NetworkListApi.as_view(), name="networks"),
    path("networks/<uuid:public_id>/", orgs.NetworkDetailApi.as_view(), name="network"),
    path("networks/<uuid:public_id>/organisations/", orgs.NetworkOrganisationsApi.as_view(),
         name="network-organisations"),
    path("networks/<uuid:public_id>/organisations/<uuid:org_id>/", orgs.NetworkOrganisationDetailApi.as_view(),
         name="network-organisation"),
    path("passbook/", ledger.PassbookApi.as_view(), name="passbook"),
    path("passbook/entries/<uuid:ref>/", ledger.EntryApi.as_view(), name="passbook-entry"),
    path("memberships/<uuid:public_id>/passbook/", ledger.MemberPassbookApi.as_view(), name="member-passbook"),
    path("gifts/", ledger.GiftApi.as_view(), name="gifts"),
    path("donations/", ledger.DonationApi.as_view(), name="donations"),
    path("allotments/top-ups/", ledger.AllotmentTopUpApi.as_view(), name="allotment-top-ups"),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
