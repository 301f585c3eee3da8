from django.urls import path

from thamdee.deeds import views

app_name = "deeds"
urlpatterns = [
    path("report/", views.report, name="report"),
    path("mine/", views.my_deeds, name="mine"),
    path("hours/", views.hours, name="hours"),
    path("queue/", views.queue, name="queue"),
    path("queue/bulk/", views.bulk_verify, name="bulk_verify"),
    path("agency-queue/", views.agency_queue, name="agency_queue"),
    path("templates/", views.templates, name="templates"),
    path("types/<uuid:public_id>/edit/", views.deed_type_edit, name="deed_type_edit"),
    path("activities/", views.activities, name="activities"),
    path("activities/<uuid:public_id>/", views.activity, name="activity"),
    path("activities/<uuid:public_id>/qr/", views.activity_qr, name="activity_qr"),
    path("checkin/<str:token>/", views.checkin, name="checkin"),
    path("appeals/<uuid:public_id>/decide/", views.appeal_decide, name="appeal_decide"),
    path("evidence/<uuid:public_id>/<str:kind>/", views.evidence_file, name="evidence"),
    path("org/<uuid:public_id>/grid/", views.grid, name="grid"),
    path("org/<uuid:public_id>/import/", views.import_file, name="import"),
    path("org/<uuid:public_id>/catalogue/", views.catalogue, name="catalogue"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/appeal/", views.appeal, name="appeal"),
    path("<uuid:public_id>/<str:action>/", views.decide, name="decide"),
]
