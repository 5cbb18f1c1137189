"""Root URLs: pages, the JSON API under /api/v1/, webhooks, probes and the admin."""

from django.contrib import admin
from django.urls import include, path, re_path

from learnstream import health, metrics, views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("learnstream.api_urls")),
    re_path(r"^api/", views.api_not_found),
    path("webhooks/", include("playback.webhook_urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("tracking.urls")),
    path("", include("playback.urls")),
    path("", include("learning.urls")),
    path("", include("assessments.urls")),
    path("", include("catalog.urls")),
]

handler400 = "learnstream.views.handler400"
handler403 = "learnstream.views.handler403"
handler404 = "learnstream.views.handler404"
handler500 = "learnstream.views.handler500"
