"""Safe retries for API creates: a POST under /api/ carrying an `Idempotency-Key` header runs in one transaction with
the record of its answer, so after a crash either both committed or neither did; a retry with the same key (by the
same person or token, within AIMS_IDEMPOTENCY_HOURS) gets the first answer again, marked `Idempotent-Replayed: true`.
The same key with another request is refused (422); an answer of 5xx is not kept (the change rolled back with it).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .api_errors import error_body
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"


def _scope(request) -> str | None:
    """Whose key this is: the API token sent (its hash, as stored), else the signed-in person; None if anonymous."""
    from .services import TOKEN_PREFIX, hash_token

    authorization = request.headers.get("Authorization", "")
    if authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
        return f"t:{hash_token(token)}" if token.startswith(TOKEN_PREFIX) else None
    user = getattr(request, "user", None)
    return f"u:{user.pk}" if user is not None and user.is_authenticated else None


def _refuse(message: str, status: int = 422) -> JsonResponse:
    return JsonResponse(error_body("idempotency_key", message, {HEADER: [message]}), status=status)


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not key or len(key) > 255 or not key.isascii() or not key.isprintable():
            return _refuse(_("The Idempotency-Key header must be 1 to 255 printable ASCII characters."))
        scope = _scope(request)
        if scope is None:
            return self.get_response(request)  # refused by authentication anyway
        fingerprint = hashlib.sha256(b"\n".join([request.method.encode(), request.get_full_path().encode(),
                                                 request.body])).hexdigest()
        oldest = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_HOURS)
        IdempotencyRecord.objects.filter(scope=scope, key=key, created_at__lt=oldest).delete()
        stored = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
        if stored is not None:
            return self._replay(stored, fingerprint)
        try:
            with transaction.atomic():
                response = self.get_response(request)
                if response.status_code >= 500 or getattr(response, "streaming", False):
                    transaction.set_rollback(response.status_code >= 500)
                    return response
                IdempotencyRecord.objects.create(
                    scope=scope, key=key, fingerprint=fingerprint, status_code=response.status_code,
                    content_type=response.get("Content-Type", ""), body=response.content, created_at=timezone.now())
        except IntegrityError:  # the same key, sent twice at once: the other one committed first
            stored = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
            if stored is None:
                raise
            return self._replay(stored, fingerprint)
        return response

    @staticmethod
    def _replay(stored: IdempotencyRecord, fingerprint: str) -> HttpResponse:
        if stored.fingerprint != fingerprint:
            return _refuse(_("This Idempotency-Key was already used for another request."))
        response = HttpResponse(bytes(stored.body), status=stored.status_code, content_type=stored.content_type)
        response[REPLAYED] = "true"
        return response


def purge_expired() -> int:
    """Forget answers older than AIMS_IDEMPOTENCY_HOURS (the daily job)."""
    oldest = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_HOURS)
    return IdempotencyRecord.objects.filter(created_at__lt=oldest).delete()[0]
