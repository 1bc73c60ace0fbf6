"""The OpenAPI schema says what the API does: every operation lists the error answers it can give (with the one error
shape of api_errors.py), integers carry the range the databases accept, and list sorts carry their allowed values.

Ninja documents only the success answers an endpoint declares; the errors come from the shared handlers, so they
are added here once for every operation instead of in every endpoint.
"""

from __future__ import annotations

INT64 = (-(2**63), 2**63 - 1)

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "properties": {"error": {
        "type": "object",
        "properties": {
            "code": {"type": "string"},
            "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        },
        "required": ["code", "message"],
    }},
    "required": ["error"],
}

ERRORS = {
    "400": "Bad request (a malformed body or parameter).",
    "401": "Authentication required, or the token is unknown, expired or revoked.",
    "403": "Not allowed: the role, the token's scope or the CSRF check refuses it.",
    "404": "Not found, or not visible to you.",
    "409": "Conflict: a stale version (reload and retry) or a concurrent change.",
    "413": "The request body is too large.",
    "422": "Some values are not valid (`fields` names them).",
}
# Which errors each kind of operation can give.
_BY_METHOD = {
    "get": ("400", "401", "403", "404", "422"),
    "delete": ("400", "401", "403", "404", "409", "422"),
    "post": ("400", "401", "403", "404", "409", "413", "422"),
    "put": ("400", "401", "403", "404", "409", "413", "422"),
    "patch": ("400", "401", "403", "404", "409", "413", "422"),
}


def complete(schema: dict, sorts_by_operation: dict | None = None) -> dict:
    """Add the error answers, integer ranges and sort values to a schema made by ninja (in place; returned)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Error", ERROR_SCHEMA)
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in _BY_METHOD:
                continue
            # Ninja keys the answers it documents by integer status: one key per status once written as JSON.
            responses = {str(status): answer for status, answer in operation.get("responses", {}).items()}
            operation["responses"] = responses
            for status in _BY_METHOD[method]:
                if status == "401" and operation.get("security") == []:
                    continue  # an operation that needs no authentication
                responses.setdefault(status, {"description": ERRORS[status], **error})
            for parameter in operation.get("parameters", []):
                _bound_integers(parameter.get("schema", {}))
                if parameter.get("name") == "sort" and sorts_by_operation:
                    sorts = sorts_by_operation.get((method, path))
                    if sorts:
                        parameter["schema"] = _sort_schema(sorts)
    for component in components.values():
        _bound_integers(component)
    return schema


def sort_values(sorts: dict) -> list[str]:
    return [*sorted(sorts), *(f"-{key}" for key in sorted(sorts))]


def _sort_schema(sorts: dict) -> dict:
    return {"anyOf": [{"type": "string", "enum": sort_values(sorts)}, {"type": "null"}], "title": "Sort"}


def _bound_integers(node) -> None:
    """Integers without a range get the one the databases store (64 bits): beyond it the API answers 422."""
    if isinstance(node, dict):
        if node.get("type") == "integer":
            node.setdefault("minimum", INT64[0])
            node.setdefault("maximum", INT64[1])
        for value in node.values():
            _bound_integers(value)
    elif isinstance(node, list):
        for value in node:
            _bound_integers(value)
