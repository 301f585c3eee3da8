from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "thamdee.api"
    label = "api"
    verbose_name = "API"
