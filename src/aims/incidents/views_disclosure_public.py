"""The public side of coordinated vulnerability disclosure: the report form anyone may use without an account, the
reporter's private page (reached by the secret link shown once after reporting) and /.well-known/security.txt.

As the supplier questionnaire's link (suppliers/views_public.py): the secret is hashed and looked up; the page shows
that case alone (what the reporter wrote, the conversation, nothing else of the organisation); an unknown link answers
404, an expired or revoked one 410. Requests are counted per client address (read through AIMS_TRUSTED_PROXY_COUNT
proxies) and per link in the shared cache and refused with 429 beyond the limit; CSRF protection is kept; files are
checked by size and content. Every value shown is escaped by the templates.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from aims.core.client_address import client_address
from aims.core.services import hash_token

from .forms_disclosure import ReplyForm, ReportForm
from .models import DisclosureMessage
from .services import disclosure

RATE_WINDOW_SECONDS = 600


def _limits() -> dict:
    return {"report": int(getattr(settings, "CVD_REPORTS_PER_ADDRESS", 5)),
            "page": int(getattr(settings, "CVD_PAGE_RATE_PER_ADDRESS", 120)),
            "link": int(getattr(settings, "CVD_PAGE_RATE_PER_LINK", 120))}


def _count(key: str) -> int:
    cache.add(key, 0, RATE_WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RATE_WINDOW_SECONDS)
        return 1


def _over_limit(request, *, kind: str, secret: str = "") -> bool:
    limits = _limits()
    address = client_address(request) or "unknown"
    over = _count(f"cvd-{kind}:{address}") > limits[kind]
    if secret:
        over = _count(f"cvd-link:{hash_token(secret)[:32]}") > limits["link"] or over
    return over


def _language(request, case=None) -> str:
    codes = [code for code, _label in settings.LANGUAGES]
    chosen = request.GET.get("lang") or request.POST.get("lang") or ""
    if chosen in codes:
        return chosen
    if case is not None and case.language in codes:
        return case.language
    current = (translation.get_language() or settings.LANGUAGE_CODE)[:2]  # the reader's (middleware)
    return current if current in codes else settings.LANGUAGE_CODE[:2]


def _private(response):
    """The private page is not indexed, not cached, and its address is never sent to another site as a referrer.
    Not "no-referrer": browsers then send `Origin: null` with the page's own form posts, which the CSRF check
    refuses, and the reporter could not reply."""
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _closed(request, state: str, lang: str):
    status = {"unknown": 404, "gone": 410, "limited": 429}[state]
    with translation.override(lang):
        response = render(request, "incidents/disclosure/closed.html",
                          {"state": state, "status": status, "minutes": RATE_WINDOW_SECONDS // 60}, status=status)
    if status == 429:
        response["Retry-After"] = str(RATE_WINDOW_SECONDS)
    return _private(response)


def _files(request) -> list:
    return request.FILES.getlist("file")


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


@never_cache
def report_page(request):
    """The public report form; a report accepted shows the reporter their private link once."""
    lang = _language(request)
    if request.method == "POST" and _over_limit(request, kind="report"):
        return _closed(request, "limited", lang)
    with translation.override(lang):
        form = ReportForm(request.POST or None)
        file_errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            if form.cleaned_data["website"]:
                form.add_error(None, _("This report could not be accepted."))
            else:
                data = {k: v for k, v in form.cleaned_data.items() if k != "website"}
                try:
                    case, secret = disclosure.submit_report(language=lang, files=_files(request), **data)
                except ValidationError as error:
                    file_errors = error.message_dict.pop("file", []) if hasattr(error, "error_dict") else []
                    rest = {k: v for k, v in getattr(error, "message_dict", {}).items() if k != "file"}
                    if rest or not hasattr(error, "error_dict"):
                        _apply_errors(form, ValidationError(rest) if rest else error)
                else:
                    link = request.build_absolute_uri(disclosure.link_url(secret))
                    return _private(render(request, "incidents/disclosure/received.html",
                                           {"case": case, "link": link, "lang": lang}, status=201))
        status = 400 if request.method == "POST" else 200
        return render(request, "incidents/disclosure/report.html", {
            "form": form, "file_errors": file_errors, "lang": lang,
            "max_mb": round(disclosure.max_attachment_bytes() / 1024 / 1024, 1),
            "max_files": disclosure.MAX_FILES_PER_CASE}, status=status)


@never_cache
def case_page(request, secret: str):
    """The reporter's own page: their report, the conversation, a reply form; nothing else."""
    if _over_limit(request, kind="page", secret=secret):  # before anything is read
        return _closed(request, "limited", _language(request))
    case = disclosure.find_by_secret(secret)
    lang = _language(request, case)
    state = disclosure.link_state(case)
    if state != "open":
        return _closed(request, state, lang)
    with translation.override(lang):
        form = ReplyForm(request.POST or None)
        file_errors: list[str] = []
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    disclosure.reporter_reply(secret=secret, body=form.cleaned_data["body"], files=_files(request))
                except disclosure.LinkClosed as closed:
                    return _closed(request, str(closed), lang)
                except ValidationError as error:
                    file_errors = error.message_dict.pop("file", []) if hasattr(error, "error_dict") else []
                    rest = {k: v for k, v in getattr(error, "message_dict", {}).items() if k != "file"}
                    if rest or not hasattr(error, "error_dict"):
                        _apply_errors(form, ValidationError(rest) if rest else error)
                    status = 400
                else:
                    return _private(redirect(f"{request.path}?lang={lang}&sent=1"))
            else:
                status = 400
        case.refresh_from_db()
        conversation = list(case.messages.select_related(None).order_by("created_at", "id"))
        response = render(request, "incidents/disclosure/case_public.html", {
            "case": case, "conversation": conversation, "form": form, "file_errors": file_errors, "lang": lang,
            "attachments": list(case.attachments.order_by("created_at", "id").values_list("filename", flat=True)),
            "reporter": DisclosureMessage.Author.REPORTER, "sent": request.GET.get("sent") == "1",
            "max_mb": round(disclosure.max_attachment_bytes() / 1024 / 1024, 1)}, status=status)
    return _private(response)
