"""JSON API routes of this app (mounted under /api/v1/)."""

from django.urls import path

from accounts import apis, lifecycle_apis, two_factor_apis

urlpatterns = [
    path("auth/register", apis.RegisterApi.as_view(), name="api-register"),
    path("auth/token", apis.TokenObtainApi.as_view(), name="api-token"),
    path("auth/token/otp", apis.TokenOtpApi.as_view(), name="api-token-otp"),
    path("auth/token/refresh", apis.TokenRefreshApi.as_view(), name="api-token-refresh"),
    path("auth/logout", apis.TokenLogoutApi.as_view(), name="api-logout"),
    path("auth/logout-all", apis.TokenLogoutAllApi.as_view(), name="api-logout-all"),
    path(
        "auth/password-reset",
        lifecycle_apis.PasswordResetRequestApi.as_view(),
        name="api-password-reset",
    ),
    path(
        "auth/password-reset/confirm",
        lifecycle_apis.PasswordResetConfirmApi.as_view(),
        name="api-password-reset-confirm",
    ),
    path("auth/verify-email", lifecycle_apis.EmailVerifyApi.as_view(), name="api-verify-email"),
    path("me", apis.MeApi.as_view(), name="api-me"),
    path(
        "me/verify-email",
        lifecycle_apis.MeVerifyEmailResendApi.as_view(),
        name="api-me-verify-email",
    ),
    path("me/export", lifecycle_apis.MeExportApi.as_view(), name="api-me-export"),
    path("me/password", apis.MePasswordChangeApi.as_view(), name="api-me-password"),
    path("me/2fa", two_factor_apis.TwoFactorApi.as_view(), name="api-me-2fa"),
    path(
        "me/2fa/enrolment",
        two_factor_apis.TwoFactorEnrolmentApi.as_view(),
        name="api-me-2fa-enrolment",
    ),
    path("me/2fa/totp", two_factor_apis.TwoFactorTotpApi.as_view(), name="api-me-2fa-totp"),
    path(
        "me/2fa/totp/confirm",
        two_factor_apis.TwoFactorTotpConfirmApi.as_view(),
        name="api-me-2fa-totp-confirm",
    ),
]
