"""Structured JSON errors for the whole API.

Every error under /api/ has the same shape, so a client handles them in one place:

    {"error": {"code": "validation_error", "message": "...", "fields": {"name": ["..."]}}}

`fields` appears when the error is about named inputs (NON_FIELD_ERRORS, "__all__", for the body as a whole); a stale
update adds `current_version`. Exceptions raised by services (Django's ValidationError, PermissionDenied, Http404,
StaleVersion) are mapped here, so endpoints simply call the service and let errors travel.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from .services import StaleVersion

logger = logging.getLogger("aims.api")

API_PREFIX = "/api/"


def error_body(code: str, message: str, fields: dict | None = None, **extra) -> dict:
    error = {"code": code, "message": str(message)}
    if fields:
        error["fields"] = {name: [str(m) for m in messages] for name, messages in fields.items()}
    error.update(extra)
    return {"error": error}


class SafeJSONRenderer(JSONRenderer):
    """JSON with <, > and & written as \\u escapes.

    Text is stored exactly as sent (a note may legitimately quote "<script>"), and JSON is not HTML; escaping these
    three characters means that even a client that wrongly drops a response into a page, or a browser that sniffs
    it, never meets live markup. The decoded value is unchanged.
    """

    def render(self, request, data, *, response_status: int) -> str:
        text = json.dumps(data, cls=NinjaJSONEncoder, ensure_ascii=False)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# --- Mapping pydantic's error types to readable messages --------------------------------------------------------------

def _pydantic_message(error: dict) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind == "missing":
        return _("This field is required.")
    if kind in {"model_attributes_type", "dict_type", "model_type"}:
        return _("Expected a JSON object.")
    if kind.endswith("_parsing") or kind.endswith("_type"):
        expected = kind.removesuffix("_parsing").removesuffix("_type")
        return _("Wrong type: expected %(type)s.") % {"type": expected}
    return str(error.get("msg") or _("Invalid value."))


def _field_name(loc) -> str:
    # loc is (source, [param name,] field, ...): ("body", "payload", "name") or ("query", "limit").
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form", "file"}:
        source, parts = parts[0], parts[1:]
        if source == "body" and parts:
            parts = parts[1:]  # the endpoint's parameter name ("payload") means nothing to the client
    return ".".join(parts) or NON_FIELD_ERRORS


def _fields_of_ninja(exc: NinjaValidationError) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        name = _field_name(error.get("loc", ()))
        if name == NON_FIELD_ERRORS and error.get("type") == "missing":
            message = _("A JSON object is required as the request body.")
        else:
            message = _pydantic_message(error)
        fields.setdefault(name, []).append(message)
    return fields


def _fields_of_django(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
    return {NON_FIELD_ERRORS: [str(m) for m in exc.messages]}


# --- Exception handlers ------------------------------------------------------------------------------------------------

def install_handlers(api) -> None:
    """Register the handlers on a NinjaAPI (replacing ninja's defaults, whose shapes differ)."""

    def respond(request, status: int, body: dict) -> HttpResponse:
        return api.create_response(request, body, status=status)

    def on_ninja_validation(request, exc: NinjaValidationError):
        fields = _fields_of_ninja(exc)
        return respond(request, 422, error_body("validation_error", _("Some values are not valid."), fields))

    def on_django_validation(request, exc: DjangoValidationError):
        fields = _fields_of_django(exc)
        messages = [m for ms in fields.values() for m in ms]
        message = messages[0] if len(messages) == 1 else _("Some values are not valid.")
        return respond(request, 422, error_body("validation_error", message, fields))

    def on_permission_denied(request, exc: PermissionDenied):
        return respond(request, 403, error_body("permission_denied", str(exc) or _("You are not allowed to do this.")))

    def on_not_found(request, exc: Exception):
        return respond(request, 404, error_body("not_found", _("Not found, or not visible to you.")))

    def on_stale(request, exc: StaleVersion):
        return respond(request, 409, error_body(
            "stale_version",
            _("Someone changed this object since you read it (it is now at version %(version)s). "
              "Reload it and apply your change again.") % {"version": exc.current_version},
            current_version=exc.current_version))

    def on_integrity(request, exc: IntegrityError):
        # Service validation catches duplicates first; this is the race where two requests create the same row.
        return respond(request, 409, error_body("conflict", _("This conflicts with existing data; reload and retry.")))

    def on_too_big(request, exc: RequestDataTooBig):
        return respond(request, 413, error_body(
            "body_too_large", _("The request body is larger than the %(limit)s bytes allowed.")
            % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}))

    def on_http_error(request, exc: HttpError):
        status = exc.status_code
        if status == 400 and isinstance(exc.__cause__, Exception):
            # ninja raises this when the body cannot be decoded; the parser's own message says where.
            detail = str(exc.__cause__)[:200]
            return respond(request, 400, error_body(
                "malformed_json", _("The request body is not valid JSON (%(detail)s).") % {"detail": detail}))
        if isinstance(exc, AuthenticationError) or status == 401:
            message = exc.message if exc.message != "Unauthorized" else _("Authentication required: log in or send "
                                                                           "an API token (Authorization: Bearer ...).")
            response = respond(request, 401, error_body("unauthenticated", message))
            response["WWW-Authenticate"] = 'Bearer realm="aims"'
            return response
        codes = {403: "permission_denied", 404: "not_found", 405: "method_not_allowed", 429: "too_many_requests"}
        return respond(request, status, error_body(codes.get(status, "error"), exc.message))

    def on_unexpected(request, exc: Exception):
        logger.exception("API error on %s %s", request.method, request.path)
        return respond(request, 500, error_body("server_error", _("Something went wrong on our side; the error was "
                                                                  "logged (request id %(id)s).")
                                                % {"id": getattr(request, "request_id", "")}))

    handlers = {
        NinjaValidationError: on_ninja_validation,
        DjangoValidationError: on_django_validation,
        PermissionDenied: on_permission_denied,
        Http404: on_not_found,
        ObjectDoesNotExist: on_not_found,
        StaleVersion: on_stale,
        IntegrityError: on_integrity,
        RequestDataTooBig: on_too_big,
        HttpError: on_http_error,
        Exception: on_unexpected,
    }
    for exc_class, handler in handlers.items():
        api.add_exception_handler(exc_class, handler)


# --- Errors produced outside ninja (unknown URL, wrong method, middleware refusals) ------------------------------------

_STATUS_CODES = {400: "bad_request", 401: "unauthenticated", 403: "permission_denied", 404: "not_found",
                 405: "method_not_allowed", 413: "body_too_large", 500: "server_error"}


def _message_for(status: int) -> str:
    messages = {
        400: _("Bad request."),
        403: _("You are not allowed to do this."),
        404: _("No such API route."),
        405: _("This method is not allowed on this route."),
        413: _("The request body is too large."),
        500: _("Something went wrong on our side; the error was logged."),
    }
    return messages.get(status, _("The request failed."))


class ApiJsonErrorMiddleware:
    """Under /api/, turn any non-JSON error response (Django's HTML 404, ninja's plain 405, a 500 page) into the
    structured JSON error, so API clients never have to parse HTML."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (response.status_code < 400 or not request.path.startswith(API_PREFIX)
                or response.get("Content-Type", "").startswith("application/json")
                or (settings.DEBUG and response.status_code >= 500)):
            return response
        status = response.status_code
        replacement = JsonResponse(error_body(_STATUS_CODES.get(status, "error"), _message_for(status)), status=status)
        for header in ("Allow", "WWW-Authenticate", "Retry-After"):
            if header in response:
                replacement[header] = response[header]
        return replacement
