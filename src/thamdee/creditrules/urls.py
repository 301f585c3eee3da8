from django.urls import path

from thamdee.creditrules import views

app_name = "creditrules"
urlpatterns = [
    path("", views.index, name="index"),
    path("org/<uuid:public_id>/", views.organisation_rules, name="organisation"),
    path("<uuid:public_id>/", views.rulebook, name="rulebook"),
    path("<uuid:public_id>/edit/", views.edit, name="edit"),
]
