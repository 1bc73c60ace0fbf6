"""Error pages (400, 403, 404, 500 and a refused CSRF token) in the product's layout and the reader's language.

Each says what happened and what to do next. Who can help is named only when it tells the reader nothing they may not
already know: the owner of an object they may see (a 403 on a change they may not make), and the administrators among
the people they may see. A 404 never says whether the object exists, since objects outside a person's scope answer
404 too (registry.resolve). Under /api/ the JSON error middleware answers instead.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.template import loader

from . import registry
from .ledger import object_type_of
from .models import RoleAssignment, User
from .permissions import Role

logger = logging.getLogger(__name__)
# How many administrators an error page names at most.
CONTACTS_SHOWN = 3


def _contacts(user) -> list[User]:
    """Administrators and AIMS managers over the whole organisation, among the people `user` may see."""
    if not getattr(user, "is_authenticated", False):
        return []
    holders = RoleAssignment.objects.filter(role__in=[Role.ADMINISTRATOR, Role.AIMS_MANAGER], unit__isnull=True,
                                            user__isnull=False).values("user")
    return list(User.objects.restrict(user, "view").filter(pk__in=holders, is_active=True)
                .order_by("last_name", "first_name", "pk")[:CONTACTS_SHOWN])


def _refused_object(request, exception):
    """The object a refusal was about, if the reader may see it (so naming its owner tells them nothing new)."""
    obj = getattr(exception, "aims_object", None)
    if obj is None or obj.pk is None or not hasattr(obj._meta.model._default_manager, "restrict"):
        return None
    if not obj._meta.model._default_manager.restrict(request.user, "view").filter(pk=obj.pk).exists():
        return None
    return obj


def _page(request, template: str, status: int, **context):
    context.setdefault("contacts", _contacts(getattr(request, "user", None)))
    context["request_id"] = getattr(request, "request_id", "")
    return render(request, template, context, status=status)


def bad_request(request, exception=None):
    return _page(request, "errors/400.html", 400)


def permission_denied(request, exception=None):
    message = str(exception) if isinstance(exception, PermissionDenied) and exception.args else ""
    obj = _refused_object(request, exception)
    owner = getattr(obj, "owner", None) if obj is not None else None
    url = registry.detail_url(object_type_of(obj), obj.pk) if obj is not None else None
    return _page(request, "errors/403.html", 403, message=message, refused_object=obj, object_url=url, owner=owner)


def page_not_found(request, exception=None):
    return _page(request, "errors/404.html", 404)


def csrf_failure(request, reason=""):
    return _page(request, "errors/403_csrf.html", 403)


def server_error(request):
    """The 500 page. It must not fail in turn: when the full layout cannot render (say the database is down), the
    same page is rendered without anything that needs the database."""
    context = {"request_id": getattr(request, "request_id", ""), "contacts": []}
    try:
        return render(request, "errors/500.html", context, status=500)
    except Exception:  # noqa: BLE001 (whatever broke the page may break the layout too)
        logger.exception("The 500 page could not be rendered in the layout")
    from django.http import HttpResponseServerError

    return HttpResponseServerError(loader.get_template("errors/500.html").render(context))
