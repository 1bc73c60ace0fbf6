"""The private questionnaire link, answered by a supplier's contact without an account.

The secret in the URL is the only key: it is hashed and looked up, and the page shows that questionnaire alone (the
supplier's name and the questions kept on it), nothing else of the organisation. An unknown link answers 404, an
expired, revoked or already reviewed one 410, and neither reads nor writes anything. Requests are counted per
address and per link (the shared cache) and refused with 429 beyond the limit; CSRF protection is kept (a cookie);
files go through the evidence library's size and content checks.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from aims.core.services import hash_token

from . import services
from .catalog import CHOICES, localised

# Requests per address and per link in each window (settings may override both).
RATE_WINDOW_SECONDS = 600


def _limits() -> tuple[int, int]:
    return (int(getattr(settings, "SUPPLIER_LINK_RATE_PER_IP", 120)),
            int(getattr(settings, "SUPPLIER_LINK_RATE_PER_LINK", 120)))


def _over_limit(request, secret: str) -> bool:
    per_ip, per_link = _limits()
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    over = False
    for key, limit in ((f"sq-ip:{address}", per_ip), (f"sq-link:{hash_token(secret)[:32]}", per_link)):
        cache.add(key, 0, RATE_WINDOW_SECONDS)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, RATE_WINDOW_SECONDS)
            count = 1
        over = over or count > limit
    return over


def _language(request, questionnaire) -> str:
    codes = [code for code, _label in settings.LANGUAGES]
    chosen = request.GET.get("lang") or request.POST.get("lang") or ""
    if chosen in codes:
        return chosen
    return questionnaire.language if questionnaire and questionnaire.language in codes else settings.LANGUAGE_CODE


def _closed(request, state: str, lang: str):
    status = {"unknown": 404, "gone": 410, "limited": 429}[state]
    with translation.override(lang):
        response = render(request, "suppliers/questionnaire_closed.html", {"state": state, "status": status},
                          status=status)
    if status == 429:
        response["Retry-After"] = str(RATE_WINDOW_SECONDS)
    return response


def _sections(questionnaire, lang: str, errors: dict, posted: dict | None) -> list[dict]:
    answers = posted if posted is not None else questionnaire.answers
    return [{"key": section["key"], "title": localised(section["title"], lang), "questions": [
        {"key": q["key"], "text": localised(q["text"], lang), "kind": q.get("kind", "choice"),
         "required": services.is_required(q), "answer": answers.get(q["key"], ""),
         "error": " ".join(errors.get(q["key"], []))}
        for q in section.get("questions", [])]} for section in questionnaire.template.get("sections", [])]


def _posted_answers(request, questionnaire) -> dict:
    return {q["key"]: request.POST.get(f"q_{q['key']}", "")[:services.MAX_ANSWER + 1]
            for q in services.questions(questionnaire.template)}


@never_cache
def questionnaire_page(request, secret: str):
    if _over_limit(request, secret):  # before anything is read
        return _closed(request, "limited", _language(request, None))
    questionnaire = services.find_by_secret(secret)
    lang = _language(request, questionnaire)
    state = services.link_state(questionnaire)
    if state in ("unknown", "gone"):
        return _closed(request, state, lang)
    errors: dict = {}
    posted = None
    if request.method == "POST":
        action = request.POST.get("action", "save")
        posted = _posted_answers(request, questionnaire)
        with translation.override(lang):
            try:
                if state != "open":
                    raise services.LinkClosed(state)
                services.save_answers(secret=secret, answers=posted)
                upload = request.FILES.get("file")
                if upload is not None:
                    services.attach_file(secret=secret, file=upload)
                if action == "submit":
                    services.submit_questionnaire(secret=secret)
                    messages.success(request, _("Thank you: your answers were submitted."))
                else:
                    messages.success(request, _("Your answers were saved. You may come back to this page until you "
                                                "submit them."))
                return redirect(f"{request.path}?lang={lang}")
            except services.LinkClosed as closed:
                if str(closed) in ("unknown", "gone"):
                    return _closed(request, str(closed), lang)
                errors = {"__all__": [_("These answers were already submitted: they can no longer be changed "
                                        "unless we ask you a follow-up question.")]}
            except ValidationError as error:
                errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        questionnaire.refresh_from_db()
        state = services.link_state(questionnaire)
    with translation.override(lang):
        return render(request, "suppliers/questionnaire_public.html", {
            "questionnaire": questionnaire, "supplier_name": questionnaire.supplier.legal_name,
            "sections": _sections(questionnaire, lang, errors, posted if errors else None),
            "errors": errors.get("__all__", []) + errors.get("file", []),
            "editable": state == "open", "lang": lang, "choices": CHOICES,
            "attachments": [item.current_version.filename if item.current_version_id else item.title
                            for item in questionnaire.attachments.select_related("current_version").order_by("pk")],
        }, status=400 if errors else 200)
