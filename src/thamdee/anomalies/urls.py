from django.urls import path

from thamdee.anomalies import views

app_name = "anomalies"
urlpatterns = [
    path("anomalies/", views.queue, name="queue"),
    path("anomalies/<uuid:public_id>/", views.detail, name="detail"),
    path("anomalies/<uuid:public_id>/review/", views.review, name="review"),
]
