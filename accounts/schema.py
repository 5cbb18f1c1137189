"""OpenAPI description of our bearer authentication (drf-spectacular)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class StatelessJWTScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.StatelessJWTAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "Access token from POST /api/v1/auth/token (10 minutes).",
        }
