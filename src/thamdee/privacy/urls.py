from django.urls import path

from thamdee.privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("export/", views.export, name="export"),
    path("honours/<uuid:public_id>/photo/", views.honour_photo, name="honour_photo"),
    path("erasure/", views.erasure_request, name="erasure_request"),
    path("erasure/<uuid:public_id>/cancel/", views.erasure_cancel, name="erasure_cancel"),
    path("requests/", views.queue, name="queue"),
    path("requests/<uuid:public_id>/", views.erasure_detail, name="erasure_detail"),
    path("requests/<uuid:public_id>/carry-out/", views.erasure_carry_out, name="erasure_carry_out"),
]
