from django.urls import path

from thamdee.inbox import views

app_name = "inbox"
urlpatterns = [
    path("", views.inbox, name="list"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("<uuid:public_id>/", views.open_notification, name="open"),
]
