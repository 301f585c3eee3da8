from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from thamdee.api.endpoints import areas, deeds, ledger, orgs, people

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
    path("deed-types/", deeds.DeedTypeListApi.as_view(), name="deed-types"),
    path("deed-types/<uuid:public_id>/adopt/", deeds.DeedTypeAdoptApi.as_view(), name="deed-type-adopt"),
    path("deeds/", deeds.MyDeedsApi.as_view(), name="deeds"),
    path("deeds/record/", deeds.DeedRecordApi.as_view(), name="deeds-record"),
    path("deeds/verify-bulk/", deeds.DeedVerifyBulkApi.as_view(), name="deeds-verify-bulk"),
    path("deeds/<uuid:public_id>/", deeds.DeedDetailApi.as_view(), name="deed"),
    path("deeds/<uuid:public_id>/verify/", deeds.DeedVerifyApi.as_view(), name="deed-verify"),
    path("deeds/<uuid:public_id>/reject/", deeds.DeedRejectApi.as_view(), name="deed-reject"),
    path("deeds/<uuid:public_id>/reverse/", deeds.DeedReverseApi.as_view(), name="deed-reverse"),
    path("deeds/<uuid:public_id>/appeal/", deeds.DeedAppealApi.as_view(), name="deed-appeal"),
    path("appeals/<uuid:public_id>/decide/", deeds.AppealDecideApi.as_view(), name="appeal-decide"),
    path("organisations/<uuid:public_id>/deed-queue/", deeds.DeedQueueApi.as_view(), name="deed-queue"),
    path("organisations/<uuid:public_id>/deed-import/", deeds.DeedImportApi.as_view(), name="deed-import"),
    path("activities/", deeds.ActivityListApi.as_view(), name="activities"),
    path("activities/checkin/", deeds.CheckinApi.as_view(), name="activity-checkin"),
    path("activities/<uuid:public_id>/roster/", deeds.RosterApi.as_view(), name="activity-roster"),
    path("rulebooks/", deeds.RulebookListApi.as_view(), name="rulebooks"),
    path("rulebooks/<uuid:public_id>/versions/", deeds.RulebookDraftApi.as_view(), name="rulebook-draft"),
    path("rulebook-versions/<uuid:public_id>/publish/", deeds.RulebookPublishApi.as_view(),
         name="rulebook-publish"),
    path("rules/preview/", deeds.RulesPreviewApi.as_view(), name="rules-preview"),
    path("passbook/hours/", deeds.HoursApi.as_view(), name="passbook-hours"),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
