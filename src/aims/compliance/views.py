"""The compliance overview page: frameworks, and the module's key figures in the reader's scope."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .models import Framework
from .views_frameworks import require_compliance_reader


@login_required
def home(request):
    user = request.user
    require_compliance_reader(user)
    return render(request, "compliance/home.html", {
        "subnav": "home", "frameworks": Framework.objects.restrict(user, "view"),
    })
