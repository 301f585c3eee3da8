from django.urls import path

from thamdee.assessments import views

app_name = "assessments"
urlpatterns = [
    path("", views.index, name="index"),
    path("open/", views.open_assessment, name="open"),
    path("results/", views.results, name="results"),
    path("roll/", views.roll, name="roll"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/scores/", views.save_scores, name="scores"),
    path("<uuid:public_id>/review/", views.review, name="review"),
    path("<uuid:public_id>/certificate/", views.certificate, name="certificate"),
    path("verify/<uuid:public_id>/", views.verify, name="verify"),
    path("evidence/<uuid:public_id>/", views.evidence_file, name="evidence"),
    path("evidence/<uuid:public_id>/thumb/", views.evidence_file, {"kind": "thumb"}, name="evidence-thumb"),
]
