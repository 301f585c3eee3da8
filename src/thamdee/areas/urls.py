from django.urls import path

from thamdee.areas import views

app_name = "areas"
urlpatterns = [
    path("options/<str:level>/", views.area_options, name="options"),
    path("search/", views.area_search, name="search"),
]
