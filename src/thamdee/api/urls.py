from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

import thamdee.api.endpoints.rewards as benefits
from thamdee.api.endpoints import anomalies, areas, deeds, ledger, orgs, people, privacy, reports
from thamdee.api.endpoints import recognition as recog

app_name = "api"

v1 = [
    path("anomalies/", anomalies.AnomalyListApi.as_view(), name="anomalies"),
    path("anomalies/<uuid:public_id>/", anomalies.AnomalyDetailApi.as_view(), name="anomaly"),
    path("anomalies/<uuid:public_id>/review/", anomalies.AnomalyReviewApi.as_view(), name="anomaly-review"),
    path("auth/token/", people.TokenApi.as_view(), name="token"),
    path("me/", people.MeApi.as_view(), name="me"),
    path("me/national-id/", people.MeNationalIdApi.as_view(), name="me-national-id"),
    path("me/data/", privacy.MyDataApi.as_view(), name="me-data"),
    path("me/erasure/", privacy.MyErasureApi.as_view(), name="me-erasure"),
    path("me/erasure/<uuid:public_id>/cancel/", privacy.MyErasureCancelApi.as_view(), name="me-erasure-cancel"),
    path("notifications/", people.NotificationListApi.as_view(), name="notifications"),
    path("notifications/<uuid:public_id>/read/", people.NotificationReadApi.as_view(), name="notification-read"),
    path("areas/", areas.AreaListApi.as_view(), name="areas"),
    path("areas/<str:code>/", areas.AreaDetailApi.as_view(), name="area"),
    path("organisations/", orgs.OrganisationListApi.as_view(), name="organisations"),
    path("organisations/<uuid:public_id>/", orgs.OrganisationDetailApi.as_view(), name="organisation"),
    path(
        "organisations/<uuid:public_id>/memberships/",
        orgs.OrganisationMembershipsApi.as_view(),
        name="organisation-memberships",
    ),
    path("memberships/<uuid:public_id>/", orgs.MembershipDetailApi.as_view(), name="membership"),
    path("networks/", orgs.NetworkListApi.as_view(), name="networks"),
    path("networks/<uuid:public_id>/", orgs.NetworkDetailApi.as_view(), name="network"),
    path(
        "networks/<uuid:public_id>/organisations/", orgs.NetworkOrganisationsApi.as_view(), name="network-organisations"
    ),
    path(
        "networks/<uuid:public_id>/organisations/<uuid:org_id>/",
        orgs.NetworkOrganisationDetailApi.as_view(),
        name="network-organisation",
    ),
    path("passbook/", ledger.PassbookApi.as_view(), name="passbook"),
    path("passbook/entries/<uuid:ref>/", ledger.EntryApi.as_view(), name="passbook-entry"),
    path("memberships/<uuid:public_id>/passbook/", ledger.MemberPassbookApi.as_view(), name="member-passbook"),
    path("gifts/", ledger.GiftApi.as_view(), name="gifts"),
    path("donations/", ledger.DonationApi.as_view(), name="donations"),
    path("allotments/top-ups/", ledger.AllotmentTopUpApi.as_view(), name="allotment-top-ups"),
    path(
        "programmes/<uuid:public_id>/budgets/<int:fiscal_year>/",
        ledger.ProgrammeBudgetApi.as_view(),
        name="programme-budget",
    ),
    path("benefits/offers/", benefits.CatalogueApi.as_view(), name="benefit-offers"),
    path("benefits/offers/<uuid:public_id>/", benefits.OfferDetailApi.as_view(), name="benefit-offer"),
    path("benefits/offers/<uuid:public_id>/redeem/", benefits.RedeemApi.as_view(), name="benefit-offer-redeem"),
    path("benefits/vouchers/", benefits.MyVoucherListApi.as_view(), name="benefit-vouchers"),
    path("benefits/vouchers/lookup/", benefits.VoucherLookupApi.as_view(), name="benefit-voucher-lookup"),
    path("benefits/vouchers/confirm/", benefits.VoucherConfirmApi.as_view(), name="benefit-voucher-confirm"),
    path("benefits/vouchers/<uuid:public_id>/", benefits.VoucherDetailApi.as_view(), name="benefit-voucher"),
    path(
        "benefits/vouchers/<uuid:public_id>/cancel/", benefits.VoucherCancelApi.as_view(), name="benefit-voucher-cancel"
    ),
    path("benefits/partners/", benefits.PartnerListApi.as_view(), name="benefit-partners"),
    path(
        "benefits/partners/<uuid:public_id>/decision/",
        benefits.PartnerDecisionApi.as_view(),
        name="benefit-partner-decision",
    ),
    path(
        "benefits/partners/<uuid:public_id>/offers/",
        benefits.PartnerOfferListApi.as_view(),
        name="benefit-partner-offers",
    ),
    path(
        "benefits/partners/<uuid:public_id>/redemptions/",
        benefits.RedemptionListApi.as_view(),
        name="benefit-partner-redemptions",
    ),
    path(
        "benefits/partners/<uuid:public_id>/statement/",
        benefits.StatementApi.as_view(),
        name="benefit-partner-statement",
    ),
    path(
        "benefits/partners/<uuid:public_id>/settlements/",
        benefits.PartnerSettlementListApi.as_view(),
        name="benefit-partner-settlements",
    ),
    path(
        "benefits/settlements/<uuid:public_id>/reverse/",
        benefits.SettlementReverseApi.as_view(),
        name="benefit-settlement-reverse",
    ),
    path(
        "benefits/partner-offers/<uuid:public_id>/",
        benefits.PartnerOfferDetailApi.as_view(),
        name="benefit-partner-offer",
    ),
    path("deed-types/", deeds.DeedTypeListApi.as_view(), name="deed-types"),
    path("deed-types/<uuid:public_id>/", deeds.DeedTypeDetailApi.as_view(), name="deed-type"),
    path("deed-types/<uuid:public_id>/adopt/", deeds.DeedTypeAdoptApi.as_view(), name="deed-type-adopt"),
    path("deeds/", deeds.MyDeedsApi.as_view(), name="deeds"),
    path("deeds/record/", deeds.DeedRecordApi.as_view(), name="deeds-record"),
    path("deeds/verify-bulk/", deeds.DeedVerifyBulkApi.as_view(), name="deeds-verify-bulk"),
    path("deeds/agency-queue/", deeds.DeedAgencyQueueApi.as_view(), name="deeds-agency-queue"),
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
    path("rulebook-versions/<uuid:public_id>/publish/", deeds.RulebookPublishApi.as_view(), name="rulebook-publish"),
    path("rules/preview/", deeds.RulesPreviewApi.as_view(), name="rules-preview"),
    path("passbook/hours/", deeds.HoursApi.as_view(), name="passbook-hours"),
    path("reports/public/", reports.PublicApi.as_view(), name="reports-public"),
    path("reports/kpis/", reports.KpiApi.as_view(), name="reports-kpis"),
    path("reports/areas/<str:code>/", reports.AreaReportApi.as_view(), name="reports-area"),
    path("reports/areas/<str:code>/organisations/", reports.TopOrganisationsApi.as_view(), name="reports-top"),
    path("stories/", reports.StoryListApi.as_view(), name="stories"),
    path("recognition/me/", recog.RecognitionMeApi.as_view(), name="recognition-me"),
    path("recognition/badges/", recog.BadgeDefinitionListApi.as_view(), name="recognition-badges"),
    path("recognition/credentials/", recog.CredentialListApi.as_view(), name="credentials"),
    path("recognition/credentials/<uuid:public_id>/", recog.CredentialDetailApi.as_view(), name="credential"),
    path(
        "recognition/credentials/<uuid:public_id>/certificate/",
        recog.CertificateApi.as_view(),
        name="credential-certificate",
    ),
    path(
        "recognition/credentials/<uuid:public_id>/revoke/",
        recog.CredentialRevokeApi.as_view(),
        name="credential-revoke",
    ),
    path("recognition/verify/", recog.VerifyApi.as_view(), name="credential-verify"),
    path("recognition/verify/<uuid:public_id>/", recog.VerifyIdApi.as_view(), name="credential-verify-id"),
    path("recognition/honours/", recog.HonourListApi.as_view(), name="honours"),
    path("recognition/honours/<uuid:public_id>/consent/", recog.HonourConsentApi.as_view(), name="honour-consent"),
    path("recognition/honours/<uuid:public_id>/decline/", recog.HonourDeclineApi.as_view(), name="honour-decline"),
    path("recognition/honours/<uuid:public_id>/withdraw/", recog.HonourWithdrawApi.as_view(), name="honour-withdraw"),
    path("recognition/rounds/", recog.RoundListApi.as_view(), name="rounds"),
    path("recognition/rounds/<uuid:public_id>/", recog.RoundDetailApi.as_view(), name="round"),
    path("recognition/rounds/<uuid:public_id>/panel/", recog.RoundPanelApi.as_view(), name="round-panel"),
    path("recognition/rounds/<uuid:public_id>/close/", recog.RoundCloseApi.as_view(), name="round-close"),
    path("recognition/rounds/<uuid:public_id>/decide/", recog.RoundDecideApi.as_view(), name="round-decide"),
    path(
        "recognition/rounds/<uuid:public_id>/nominations/", recog.NominationListApi.as_view(), name="round-nominations"
    ),
    path("recognition/nominations/<uuid:public_id>/scores/", recog.ScoreApi.as_view(), name="nomination-scores"),
    path(
        "recognition/nominations/<uuid:public_id>/select/",
        recog.NominationSelectApi.as_view(),
        name="nomination-select",
    ),
    path(
        "recognition/organisations/<uuid:public_id>/badges/",
        recog.BadgeSettingApi.as_view(),
        name="organisation-badges",
    ),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
