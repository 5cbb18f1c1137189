from django.apps import AppConfig


class PlaybackConfig(AppConfig):
    name = "playback"
    default_auto_field = "django.db.models.BigAutoField"
