"""/.well-known/security.txt (RFC 9116), generated from settings: where to report a vulnerability (AIMS_CVD_CONTACT,
else the public report form), until when the file holds (AIMS_CVD_SECURITY_TXT_DAYS ahead, under a year as the RFC
recommends), the policy (the report form, which says how reports are handled), the languages we read and the file's
canonical address."""

from __future__ import annotations

from datetime import UTC, timedelta

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from aims.core import context


def _absolute(path: str) -> str:
    return (getattr(settings, "SITE_URL", "") or "").rstrip("/") + path


def lines() -> list[str]:
    contacts = [c.strip() for c in (getattr(settings, "CVD_CONTACT", "") or "").split(",") if c.strip()]
    report = _absolute(reverse("cvd_report"))
    days = min(364, max(1, int(getattr(settings, "CVD_SECURITY_TXT_DAYS", 180))))
    expires = (context.now() + timedelta(days=days)).astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    out = [f"Contact: {contact}" for contact in contacts] + [f"Contact: {report}"]
    out += [f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}",
            f"Policy: {getattr(settings, 'CVD_POLICY_URL', '') or report}",
            f"Preferred-Languages: {', '.join(code for code, _label in settings.LANGUAGES)}",
            f"Canonical: {_absolute('/.well-known/security.txt')}"]
    return out


@require_GET
def security_txt(request):
    response = HttpResponse("\n".join(lines()) + "\n", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "max-age=86400"
    return response
