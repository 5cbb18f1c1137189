from django.apps import AppConfig


class LearnStreamConfig(AppConfig):
    name = "learnstream"
    verbose_name = "LearnStream"

    def ready(self) -> None:
        from learnstream import mongo

        mongo.connect()
