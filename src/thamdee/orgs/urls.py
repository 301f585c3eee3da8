from django.urls import path

from thamdee.orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("new/", views.organisation_create, name="create"),
    path("mine/", views.my_organisations, name="mine"),
    path("networks/", views.network_list, name="networks"),
    path("networks/<uuid:public_id>/", views.network_detail, name="network"),
    path("memberships/<uuid:public_id>/roles/", views.membership_roles, name="membership_roles"),
    path("memberships/<uuid:public_id>/end/", views.membership_end, name="membership_end"),
    path("memberships/<uuid:public_id>/answer/", views.invitation_answer, name="invitation_answer"),
    path("<uuid:public_id>/", views.organisation_detail, name="detail"),
    path("<uuid:public_id>/members/", views.members, name="members"),
]
