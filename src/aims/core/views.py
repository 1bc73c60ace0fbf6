"""Core pages: home dashboard, the "To approve" inbox, module placeholders, profile, language and notifications.

Organisation units live in views_org, people/groups/roles in views_people, history/journal/ledger in views_ledger."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from . import approvals, dashboard, services
from .context_processors import MODULES
from .forms import ProfileForm, apply_validation_error
from .models import LedgerEvent, OrgUnit, PeopleGroup, User
from .permissions import can_in_unit
from .views_ledger import describe_events
from .views_org import tab_context


@login_required
def home(request):
    user = request.user
    can_see_ledger = can_in_unit(user, "view", "ledger", None)
    context = {
        "counts": {
            "units": OrgUnit.objects.restrict(user, "view").count(),
            "people": User.objects.restrict(user, "view").filter(is_active=True).count(),
            "groups": PeopleGroup.objects.restrict(user, "view").count(),
            "open_tasks": user.tasks.filter(done_at__isnull=True).count(),
            "unread": user.notifications.filter(read_at__isnull=True).count(),
        },
        "module_cards": dashboard.cards_for(user),
        "to_approve": approvals.count_for(user),
        "can_see_ledger": can_see_ledger,
        "tasks": user.tasks.filter(done_at__isnull=True)[:10],
        "notifications": user.notifications.all()[:5],
        "recent_events": describe_events(LedgerEvent.objects.restrict(user, "view").order_by("-id")[:8], user)
        if can_see_ledger else [],
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
    return render(request, "core/profile.html", {"form": form, "person": person, **tab_context(request, person)})


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
def notifications(request):
    page = Paginator(request.user.notifications.all(), 50).get_page(request.GET.get("page"))
    return render(request, "core/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_mark_read(request):
    count = services.mark_notifications_read(actor=request.user)
    messages.success(request, ngettext("%(count)s notification marked as read.",
                                       "%(count)s notifications marked as read.", count) % {"count": count})
    return redirect("notifications")


@login_required
def approvals_inbox(request):
    """Everything the reader may approve, every module's sign-offs in one list (aims.core.approvals)."""
    rows = approvals.waiting_for(request.user)
    kinds = sorted({row.kind.key: row.kind for row in rows}.values(), key=lambda k: (k.order, k.key))
    chosen = request.GET.get("kind", "")
    if chosen:
        rows = [row for row in rows if row.kind.key == chosen]
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "core/approvals.html", {"page": page, "kinds": kinds, "chosen_kind": chosen})
