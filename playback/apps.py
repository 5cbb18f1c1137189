from django.apps import AppConfig


class PlaybackConfig(AppConfig):
    name = "playback"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from playback import checks  # noqa: F401 - registers the Mux settings checks
