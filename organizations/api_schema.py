"""The API's OpenAPI document: how API keys authenticate, and the errors every operation answers.

drf-spectacular documents only the success response of each operation; the exception handler
in `core.api` answers every refusal in one JSON shape. `document_errors` adds those answers to
every operation, so a client (and schemathesis in the test suite) knows each status it can get.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

ERROR_COMPONENT = "Error"

_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every error of the API has this shape.",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {
                    "type": "string",
                    "description": "Stable and machine-readable, e.g. `invalid`, `not_found`.",
                },
                "message": {"type": "string", "description": "For people, in their language."},
                "fields": {
                    "type": "object",
                    "description": (
                        "Messages keyed by the input field they concern (`non_field_errors` for "
                        "the request as a whole); empty when the error concerns no field."
                    ),
                    "additionalProperties": {},
                },
            },
        }
    },
}


def _example(code: str, message: str, fields: dict | None = None) -> dict[str, Any]:
    return {"value": {"error": {"code": code, "message": message, "fields": fields or {}}}}


# Status → (description, example). The examples are what the exception handler answers.
_ERRORS: dict[str, tuple[str, dict[str, Any]]] = {
    "400": (
        "The request is malformed or a field is invalid, a filter value or `page_size` included; "
        "a name or an email that is already taken is a field error too.",
        _example(
            "invalid",
            "The request has invalid fields.",
            {"name": ["This field is required."]},
        ),
    ),
    "401": (
        "No credentials, or an invalid, expired or revoked API key.",
        _example("not_authenticated", "Authentication credentials were not provided."),
    ),
    "403": (
        "The key lacks the scope, or the member's role the capability, for this operation.",
        _example("permission_denied", "This API key lacks the `write` scope."),
    ),
    "404": (
        "No such object in this organization (another organization's is answered the same).",
        _example("not_found", "Not found."),
    ),
    "413": (
        "The request body is larger than the server accepts.",
        _example("too_large", "The request body is larger than 2.5 MB."),
    ),
    "415": (
        "The request body's media type is not accepted.",
        _example("unsupported_media_type", 'Unsupported media type "text/plain" in request.'),
    ),
    "429": (
        "The organization's request budget is spent; retry after `Retry-After` seconds.",
        _example("throttled", "Request was throttled. Expected available in 12 seconds."),
    ),
}

_WRITE_METHODS = {"post", "put", "patch"}


def _statuses(method: str, operation: dict[str, Any]) -> list[str]:
    statuses = ["400", "401", "403", "404", "429"]
    if method in _WRITE_METHODS:
        statuses += ["413", "415"]
    return statuses


# Text inputs are trimmed, and a required text may not be blank: it needs a character that is not
# white space. drf-spectacular says `minLength: 1`, which "   " satisfies.
NOT_BLANK_PATTERN = r"\S"


def _require_non_blank(schema: Any) -> None:
    if isinstance(schema, list):
        for item in schema:
            _require_non_blank(item)
        return
    if not isinstance(schema, dict):
        return
    if (
        schema.get("type") == "string"
        and schema.get("minLength") == 1
        and not {"pattern", "format", "enum"} & schema.keys()
    ):
        schema["pattern"] = NOT_BLANK_PATTERN
    for value in schema.values():
        _require_non_blank(value)


def document_errors(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the JSON error answers of every operation, and the
    non-blank rule of request bodies' text."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    for name, component in components.items():
        if name.endswith("Request"):
            _require_non_blank(component)
    components[ERROR_COMPONENT] = _ERROR_SCHEMA
    reference = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for status in _statuses(method, operation):
                if status in responses:
                    continue
                description, example = _ERRORS[status]
                responses[status] = {
                    "description": description,
                    "content": {
                        "application/json": {
                            "schema": reference,
                            "examples": {status: example},
                        }
                    },
                }
                if status == "429":
                    responses[status]["headers"] = {
                        "Retry-After": {
                            "schema": {"type": "integer"},
                            "description": "Seconds until the budget allows another request.",
                        }
                    }
    return result


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
