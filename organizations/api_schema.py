"""Teaches drf-spectacular how API keys authenticate, so the docs page offers an Authorize box."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class OrganizationAPIKeyScheme(OpenApiAuthenticationExtension):
    target_class = "organizations.api_auth.OrganizationAPIKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Send `Api-Key <key>`. Create keys under API keys in the app.",
        }
