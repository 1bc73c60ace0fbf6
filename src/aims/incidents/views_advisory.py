"""A vulnerability's advisory: written in plain language in English and French beside its facts, shown as readers
will read it in each language, published once the embargo agreed with the reporter is over, and exported as
CycloneDX VEX or CSAF 2.0 JSON."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aims.core.forms import errors_on
from aims.core.permissions import can_in_unit

from . import advisory_exports
from .forms_disclosure import AdvisoryForm
from .models import Advisory
from .services import advisories
from .views_vulnerabilities import visible_vulnerability


def _advisory(vulnerability):
    return Advisory.objects.filter(vulnerability=vulnerability).first()


@login_required
def advisory_page(request, pk: int):
    vulnerability = visible_vulnerability(request, pk)
    advisory = _advisory(vulnerability)
    may_change = can_in_unit(request.user, "change", "incidents", vulnerability.unit)
    initial = {"title_en": vulnerability.title, "summary_en": vulnerability.description}
    form = AdvisoryForm(request.POST or None, instance=advisory,
                        initial={"version": advisory.version} if advisory else initial)
    status = 200
    if request.method == "POST":
        visible_vulnerability(request, pk, "change")
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in advisories.ADVISORY_EDITABLE}
            with errors_on(form):
                advisories.save_advisory(actor=request.user, vulnerability=vulnerability, changes=changes,
                                         expected_version=form.cleaned_data.get("version") if advisory else None)
            if not form.errors:
                messages.success(request, _("The advisory was saved."))
                return redirect("incidents:advisory", pk=pk)
        status = 400
        advisory = _advisory(vulnerability)
    return render(request, "incidents/disclosure/advisory.html", {
        "subnav": "vulnerabilities", "vulnerability": vulnerability, "advisory": advisory, "form": form,
        "may_change": may_change, "embargo": advisories.embargo_until(advisory) if advisory else None,
        "renderings": [advisory_exports.rendered(advisory, request.user, lang) for lang in ("en", "fr")]
        if advisory else []}, status=status)


@login_required
@require_POST
def advisory_publish(request, pk: int):
    vulnerability = visible_vulnerability(request, pk, "change")
    advisory = _advisory(vulnerability)
    if advisory is None:
        raise Http404
    try:
        advisories.publish_advisory(actor=request.user, advisory=advisory)
    except ValidationError as error:
        for problem in error.messages:
            messages.error(request, problem)
    else:
        messages.success(request, _("The advisory was published."))
    return redirect("incidents:advisory", pk=pk)


@login_required
def advisory_export(request, pk: int, fmt: str):
    vulnerability = visible_vulnerability(request, pk)
    advisory = _advisory(vulnerability)
    if advisory is None or fmt not in ("cyclonedx", "csaf"):
        raise Http404
    lang = request.GET.get("lang") if request.GET.get("lang") in ("en", "fr") else "en"
    build = advisory_exports.cyclonedx_vex if fmt == "cyclonedx" else advisory_exports.csaf
    body = json.dumps(build(advisory, request.user, lang), indent=2, ensure_ascii=False)
    suffix = "vex.cdx.json" if fmt == "cyclonedx" else "csaf.json"
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{advisory.reference.lower()}-{lang}.{suffix}"'
    return response
