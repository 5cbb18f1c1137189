"""JSON API routes of this app (mounted under /api/v1/)."""

from django.urls import path

from accounts import apis

urlpatterns = [
    path("auth/register", apis.RegisterApi.as_view(), name="api-register"),
    path("auth/token", apis.TokenObtainApi.as_view(), name="api-token"),
    path("auth/token/refresh", apis.TokenRefreshApi.as_view(), name="api-token-refresh"),
    path("auth/logout", apis.TokenLogoutApi.as_view(), name="api-logout"),
    path("auth/logout-all", apis.TokenLogoutAllApi.as_view(), name="api-logout-all"),
    path("me", apis.MeApi.as_view(), name="api-me"),
    path("me/password", apis.MePasswordChangeApi.as_view(), name="api-me-password"),
]
