"""The compliance overview page: the Statement of Applicability's progress, control readiness, frameworks."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render

from .models import Control, Framework, SoAEntry
from .services.soa import last_approved
from .views_frameworks import require_compliance_reader


@login_required
def home(request):
    user = request.user
    require_compliance_reader(user)
    soa = SoAEntry.objects.restrict(user, "view").filter(requirement__is_active=True).aggregate(
        total=Count("pk"), decided=Count("pk", filter=~Q(applicability=SoAEntry.Applicability.UNDECIDED)),
        applicable=Count("pk", filter=Q(applicability=SoAEntry.Applicability.APPLICABLE)))
    controls = Control.objects.restrict(user, "view").exclude(status=Control.Status.RETIRED).aggregate(
        total=Count("pk"), ready=Count("pk", filter=Q(is_ready=True)))
    return render(request, "compliance/home.html", {
        "subnav": "home", "frameworks": Framework.objects.restrict(user, "view"), "soa": soa, "controls": controls,
        "approved": last_approved(),
    })
