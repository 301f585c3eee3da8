from django.urls import path

from thamdee.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("public/", views.public, name="public"),
    path("area/<str:code>/", views.area_panel, name="area"),
    path("area/<str:code>/report.pdf", views.area_report_pdf, name="area_pdf"),
    path("national/report.pdf", views.area_report_pdf, {"code": ""}, name="national_pdf"),
    path("export/<str:table>.<str:fmt>", views.export, name="export"),
    path("kpis/", views.kpis, name="kpis"),
    path("targets/", views.targets, name="targets"),
    path("org/<uuid:public_id>/", views.organisation, name="organisation"),
    path("stories/", views.stories, name="stories"),
    path("stories/new/", views.story_edit, name="story_new"),
    path("stories/review/", views.stories_review_queue, name="stories_review"),
    path("stories/photos/<uuid:public_id>/<str:kind>/", views.story_photo, name="story_photo"),
    path("stories/<uuid:public_id>/", views.story, name="story"),
    path("stories/<uuid:public_id>/edit/", views.story_edit, name="story_edit"),
    path("stories/<uuid:public_id>/review/", views.story_review, name="story_review"),
]
