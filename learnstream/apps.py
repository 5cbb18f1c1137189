from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class LearnStreamConfig(AppConfig):
    name = "learnstream"
    verbose_name = "LearnStream"

    def ready(self) -> None:
        from learnstream import mongo

        mongo.connect()


class LearnStreamAdminConfig(AdminConfig):
    """Replaces "django.contrib.admin" in INSTALLED_APPS so `admin.site` is our site (with
    the MongoDB catalogue pages) everywhere, including third-party `admin.py` modules."""

    default_site = "learnstream.admin.LearnStreamAdminSite"
