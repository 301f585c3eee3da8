from django.urls import path

from thamdee.rewards import views

app_name = "rewards"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("offers/<uuid:public_id>/", views.offer_detail, name="offer"),
    path("offers/<uuid:public_id>/redeem/", views.redeem, name="redeem"),
    path("offers/<uuid:public_id>/photo/", views.offer_photo, name="offer_photo"),
    path("vouchers/", views.vouchers, name="vouchers"),
    path("vouchers/<uuid:public_id>/", views.voucher_detail, name="voucher"),
    path("vouchers/<uuid:public_id>/cancel/", views.voucher_cancel, name="voucher_cancel"),
    path("partner/", views.partner_home, name="partner_home"),
    path("partner/scan/", views.scan, name="scan"),
    path("partner/<uuid:public_id>/apply/", views.partner_apply, name="partner_apply"),
    path("partner/<uuid:public_id>/redemptions/", views.redemptions, name="redemptions"),
    path("partner/<uuid:public_id>/statement/", views.statement, name="statement"),
    path("partner/<uuid:public_id>/statement.csv", views.statement_csv, name="statement_csv"),
    path("partner/<uuid:public_id>/statement.pdf", views.statement_pdf, name="statement_pdf"),
    path("partner/<uuid:public_id>/settle/", views.settle, name="settle"),
    path("partner/<uuid:public_id>/settlements/", views.settlements, name="settlements"),
    path("partner/settlements/<uuid:public_id>/reverse/", views.settlement_reverse, name="settlement_reverse"),
    path("partner/<uuid:public_id>/offers/", views.partner_offers, name="partner_offers"),
    path("partner/offers/<uuid:public_id>/toggle/", views.offer_toggle, name="offer_toggle"),
    path("partners/", views.partners, name="partners"),
    path("partners/<uuid:public_id>/decide/", views.partner_decide, name="partner_decide"),
]
