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
BODY_METHODS = ("post", "put", "patch")


def _errors_of(method: str, path: str, operation: dict) -> list[str]:
    """The errors an operation can give: 401 unless it needs no authentication; 403, 404 (an object named in the path
    or a parameter that does not exist or is not visible) and 422 always; 400 (malformed body) and 413 with a body;
    409 on writes (stale version, concurrent change)."""
    statuses = ["403", "404", "422"]
    if operation.get("security") != []:
        statuses.append("401")
    if method in BODY_METHODS:
        statuses += ["400", "413"]
    if method != "get":
        statuses.append("409")
    return sorted(statuses)


def complete(schema: dict, sorts_by_operation: dict | None = None) -> dict:
    """Add the error answers, integer ranges and sort values to a schema made by ninja (in place; returned)."""
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {}).setdefault("Error", ERROR_SCHEMA)
    shared = components.setdefault("responses", {})
    for status, description in ERRORS.items():
        shared[f"Error{status}"] = {"description": description,
                                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "delete", *BODY_METHODS):
                continue
            # Ninja keys the answers it documents by integer status: one key per status once written as JSON.
            responses = {str(status): answer for status, answer in operation.get("responses", {}).items()}
            operation["responses"] = responses
            for status in _errors_of(method, path, operation):
                responses.setdefault(status, {"$ref": f"#/components/responses/Error{status}"})
            for parameter in operation.get("parameters", []):
                _bound_integers(parameter.get("schema", {}))
                if parameter.get("name") == "sort" and sorts_by_operation:
                    sorts = sorts_by_operation.get((method, path))
                    if sorts:
                        parameter["schema"] = _sort_schema(sorts)
    for component in components["schemas"].values():
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
