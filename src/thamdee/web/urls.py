from django.urls import path

from thamdee.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("principles/", views.principles, name="principles"),
    path("healthz", views.health, name="health"),
]
