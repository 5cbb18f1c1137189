"""The versioned JSON API. Each app owns its routes in `<app>/api_urls.py`."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file (?script): no inline script for
    # the Content-Security-Policy to allow.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("accounts.api_urls")),
    path("", include("catalog.api_urls")),
    path("", include("learning.api_urls")),
    path("", include("playback.api_urls")),
    path("", include("tracking.api_urls")),
    path("", include("assessments.api_urls")),
]
