from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class LearnStreamConfig(AppConfig):
    name = "learnstream"
    verbose_name = "LearnStream"

    def ready(self) -> None:
        from learnstream import mongo

        mongo.connect()


class LearnStreamAdminConfig(admin_apps.AdminConfig):
    """Replaces "django.contrib.admin" in INSTALLED_APPS so `admin.site` is our site (with
    the MongoDB catalogue pages) everywhere, including third-party `admin.py` modules."""

    default = False  # named explicitly in INSTALLED_APPS; LearnStreamConfig stays the default
    default_site = "admin_site.project_site.LearnStreamAdminSite"
