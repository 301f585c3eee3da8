from django.urls import path

from thamdee.recognition import views

app_name = "recognition"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("honours/", views.honours, name="honours"),
    path("honours/<uuid:public_id>/photo/", views.honour_photo, name="honour_photo"),
    path("honours/<uuid:public_id>/consent/", views.consent, name="consent"),
    path("honours/<uuid:public_id>/withdraw/", views.withdraw, name="withdraw"),
    path("credentials/<uuid:public_id>/", views.credential, name="credential"),
    path("credentials/<uuid:public_id>/certificate/", views.certificate, name="certificate"),
    path("credentials/<uuid:public_id>/certificate/status/", views.certificate_status, name="certificate_status"),
    path("credentials/<uuid:public_id>/revoke/", views.revoke, name="revoke"),
    path("credentials/<uuid:public_id>/file.<str:kind>", views.credential_file, name="credential_file"),
    path("verify/", views.verify, name="verify"),
    path("verify/<uuid:public_id>/", views.verify_id, name="verify_id"),
    path("verify/<uuid:public_id>/credential.jwt", views.verify_file, name="verify_file"),
    path("issuers/<uuid:public_id>/", views.issuer, name="issuer"),
    path("issuers/<uuid:public_id>/did.json", views.issuer_did, name="issuer_did"),
    path("issuers/<uuid:public_id>/jwks.json", views.issuer_jwks, name="issuer_jwks"),
    path("issuers/<uuid:public_id>/status/<slug:purpose>", views.status_list, name="status_list"),
    path("achievements/<slug:kind>/<str:code>/", views.achievement, name="achievement"),
    path("contexts/", views.contexts_index, name="contexts"),
    path("contexts/<str:name>", views.context, name="context"),
    path("rounds/", views.rounds, name="rounds"),
    path("rounds/new/", views.round_new, name="round_new"),
    path("rounds/<uuid:public_id>/", views.round_detail, name="round"),
    path("rounds/<uuid:public_id>/panel/", views.round_panel, name="round_panel"),
    path("rounds/<uuid:public_id>/close/", views.round_close, name="round_close"),
    path("rounds/<uuid:public_id>/decide/", views.round_decide, name="round_decide"),
    path("rounds/<uuid:public_id>/nominate/", views.nominate, name="nominate"),
    path("nominations/<uuid:public_id>/", views.nomination, name="nomination"),
    path("nominations/<uuid:public_id>/select/", views.nomination_select, name="nomination_select"),
    path("org/<uuid:public_id>/badges/", views.badge_settings, name="badge_settings"),
]
