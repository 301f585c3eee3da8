from django.urls import path

from thamdee.people import views

app_name = "people"
urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("signup/", views.SignUpView.as_view(), name="signup"),
    path("me/", views.profile, name="profile"),
    path("me/consent/", views.consent_toggle, name="consent"),
    path("me/family/", views.family, name="family"),
    path("me/family/consent/", views.family_consent, name="family_consent"),
]
