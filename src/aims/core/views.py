"""Core pages: home dashboard, module placeholders, profile and language."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .context_processors import MODULES
from .forms import ProfileForm, apply_validation_error
from .models import LedgerEvent, OrgUnit, User


@login_required
def home(request):
    user = request.user
    context = {
        "counts": {
            "units": OrgUnit.objects.restrict(user, "view").count(),
            "people": User.objects.restrict(user, "view").filter(is_active=True).count(),
        },
        "tasks": user.tasks.filter(done_at__isnull=True)[:10],
        "notifications": user.notifications.all()[:5],
        "recent_events": LedgerEvent.objects.restrict(user, "view").order_by("-id")[:8],
    }
    return render(request, "core/home.html", context)


@login_required
def module_placeholder(request, module: str):
    labels = {m: label for _key, label, m in MODULES if m}
    if module not in labels:
        raise Http404
    return render(request, "core/module_placeholder.html", {"module_label": labels[module], "module": module})


@login_required
def profile(request):
    person = request.user
    form = ProfileForm(request.POST or None, instance=person, initial={"version": person.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_person(actor=person, person=person, changes=form.changes(),
                                   expected_version=form.cleaned_data["version"])
        except ValidationError as error:
            apply_validation_error(form, error)
        except services.StaleVersion:
            form.add_error(None, _("Your profile was changed elsewhere in the meantime. Reload and try again."))
        else:
            request.session["aims_language"] = person.language
            translation.activate(person.language)
            messages.success(request, _("Your profile was saved."))
            return redirect("profile")
    return render(request, "core/profile.html", {"form": form, "person": person})


@require_POST
def set_language(request):
    """Switch the language; for a signed-in person it is remembered in their profile (and ledgered)."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        return redirect(request.POST.get("next") or "home")
    if request.user.is_authenticated and request.user.language != language:
        services.update_person(actor=request.user, person=request.user, changes={"language": language})
    request.session["aims_language"] = language
    translation.activate(language)
    response = redirect(_safe_next(request))
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax", httponly=True)
    return response


def _safe_next(request) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or "/"
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else "/"


@login_required
def people_list(request):
    people = User.objects.restrict(request.user, "view").select_related("unit").order_by("last_name", "first_name")
    return render(request, "core/people_list.html", {"people": people[:200]})
