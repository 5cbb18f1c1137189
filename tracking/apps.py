from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "tracking"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from catalog.completion import completion_policy_listener_register
        from tracking import export
        from tracking.completion import on_completion_policy_change

        export.register()
        completion_policy_listener_register("tracking", on_completion_policy_change)
