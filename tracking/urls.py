"""HTML page routes of this app."""

urlpatterns: list = []
