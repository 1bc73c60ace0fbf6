"""An advisory rendered for people (English or French) and exported for machines: CycloneDX 1.6 VEX (a BOM whose
`vulnerabilities` carry the analysis of our products) and CSAF 2.0 (the csaf_vex profile). Both are built from the
advisory's facts and text when asked; the products are the AI systems the vulnerability affects, found through the
inventory within what the reader may see. Tests validate both against the official JSON schemas."""

from __future__ import annotations

import uuid
from datetime import UTC

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import queries
from .models_disclosure import Advisory, AdvisoryState, NotAffectedReason

# The advisory's facts in each export's vocabulary.
CYCLONEDX_STATE = {AdvisoryState.UNDER_INVESTIGATION: "in_triage", AdvisoryState.AFFECTED: "exploitable",
                   AdvisoryState.FIXED: "resolved", AdvisoryState.NOT_AFFECTED: "not_affected"}
CYCLONEDX_JUSTIFICATION = {NotAffectedReason.COMPONENT_NOT_PRESENT: "code_not_present",
                           NotAffectedReason.CODE_NOT_REACHABLE: "code_not_reachable",
                           NotAffectedReason.NOT_CONTROLLABLE: "requires_environment",
                           NotAffectedReason.MITIGATING_CONTROL: "protected_by_mitigating_control"}
CSAF_STATUS = {AdvisoryState.UNDER_INVESTIGATION: "under_investigation", AdvisoryState.AFFECTED: "known_affected",
               AdvisoryState.FIXED: "fixed", AdvisoryState.NOT_AFFECTED: "known_not_affected"}
CSAF_FLAG = {NotAffectedReason.COMPONENT_NOT_PRESENT: "component_not_present",
             NotAffectedReason.CODE_NOT_REACHABLE: "vulnerable_code_not_in_execute_path",
             NotAffectedReason.NOT_CONTROLLABLE: "vulnerable_code_cannot_be_controlled_by_adversary",
             NotAffectedReason.MITIGATING_CONTROL: "inline_mitigations_already_exist"}
CYCLONEDX_SEVERITIES = {"critical", "high", "medium", "low", "info", "none"}
CVSS_METHOD = {"3.0": "CVSSv3", "3.1": "CVSSv31", "4.0": "CVSSv4"}


def _text(advisory: Advisory, name: str, lang: str) -> str:
    """The advisory's text in `lang`, the English one when the French is not written yet."""
    return (getattr(advisory, f"{name}_{lang}", "") or getattr(advisory, f"{name}_en")).strip()


def _in(lang: str, text: str) -> str:
    """`text` translated into the document's language (not the reader's)."""
    with translation.override(lang):
        return _(text)


def _iso(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def products(advisory: Advisory, user) -> list[dict]:
    return queries.vulnerable_systems(advisory.vulnerability, user)


def rendered(advisory: Advisory, user, lang: str) -> dict:
    """The advisory in plain words in `lang`: its text and its facts said in that language."""
    from . import catalog

    vulnerability = advisory.vulnerability
    with translation.override(lang):
        state = AdvisoryState(advisory.state)
        sentence = {
            AdvisoryState.UNDER_INVESTIGATION: _("We are still checking whether our products are affected."),
            AdvisoryState.AFFECTED: _("The products listed below are affected."),
            AdvisoryState.FIXED: _("The products listed below are fixed from %(fixed_in)s."),
            AdvisoryState.NOT_AFFECTED: _("The products listed below are not affected: %(reason)s."),
        }[state] % {"fixed_in": advisory.fixed_in,
                    "reason": str(NotAffectedReason(advisory.not_affected_reason).label).lower()
                    if advisory.not_affected_reason else ""}
        return {"lang": lang, "reference": advisory.reference, "title": _text(advisory, "title", lang),
                "summary": _text(advisory, "summary", lang),
                "recommendation": _text(advisory, "recommendation", lang), "state": str(state.label),
                "state_sentence": sentence, "severity": catalog.severity_label(vulnerability.severity),
                "cve": vulnerability.cve_id, "cvss": vulnerability.cvss_vector,
                "score": vulnerability.cvss_score, "credit": advisory.credit,
                "status": str(Advisory.Status(advisory.status).label), "revision": advisory.revision,
                "products": [row["name"] for row in products(advisory, user)]}


def _publisher() -> tuple[str, str]:
    name = getattr(settings, "CVD_PUBLISHER_NAME", "") or "AIMS"
    namespace = (getattr(settings, "SITE_URL", "") or "https://aims.invalid").rstrip("/")
    return name, namespace


def cyclonedx_vex(advisory: Advisory, user, lang: str = "en") -> dict:
    """A CycloneDX 1.6 BOM: the affected AI systems as components, the vulnerability with its rating and the
    analysis of our products (state, justification, response, detail)."""
    vulnerability = advisory.vulnerability
    publisher, namespace = _publisher()
    systems = products(advisory, user)
    components = [{"type": "application", "bom-ref": f"system:{row['reference_code'] or row['id']}",
                   "name": row["name"]} for row in systems]
    rating = {"source": {"name": publisher},
              "severity": vulnerability.severity if vulnerability.severity in CYCLONEDX_SEVERITIES else "unknown"}
    if vulnerability.cvss_vector and vulnerability.cvss_version in CVSS_METHOD:
        rating.update({"score": float(vulnerability.cvss_score), "method": CVSS_METHOD[vulnerability.cvss_version],
                       "vector": vulnerability.cvss_vector})
    analysis = {"state": CYCLONEDX_STATE[advisory.state],
                "detail": rendered(advisory, user, lang)["state_sentence"]}
    if advisory.state == AdvisoryState.NOT_AFFECTED and advisory.not_affected_reason:
        analysis["justification"] = CYCLONEDX_JUSTIFICATION[advisory.not_affected_reason]
    if advisory.state == AdvisoryState.FIXED:
        analysis["response"] = ["update"]
    elif advisory.state == AdvisoryState.AFFECTED and advisory.recommendation_en:
        analysis["response"] = ["workaround_available"]
    entry = {"bom-ref": f"vulnerability:{vulnerability.reference}",
             "id": vulnerability.cve_id or vulnerability.reference,
             "source": {"name": "NVD" if vulnerability.cve_id else publisher},
             "ratings": [rating], "description": _text(advisory, "summary", lang),
             "recommendation": _text(advisory, "recommendation", lang) or None,
             "created": _iso(vulnerability.created_at), "updated": _iso(advisory.updated_at),
             "analysis": analysis, "affects": [{"ref": c["bom-ref"]} for c in components]}
    if advisory.published_at:
        entry["published"] = _iso(advisory.published_at)
    if advisory.credit:
        entry["credits"] = {"individuals": [{"name": advisory.credit}]}
    if not entry["recommendation"]:
        del entry["recommendation"]
    if not entry["affects"]:
        del entry["affects"]
    return {"bomFormat": "CycloneDX", "specVersion": "1.6",
            "serialNumber": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{namespace}/{advisory.reference}/{advisory.revision}/{advisory.version}')}",
            "version": max(1, advisory.revision),
            "metadata": {"timestamp": _iso(advisory.updated_at), "supplier": {"name": publisher}},
            "components": components, "vulnerabilities": [entry]}


def csaf(advisory: Advisory, user, lang: str = "en") -> dict:
    """A CSAF 2.0 document of the csaf_vex profile: the publisher, the tracking of the advisory's revisions, the AI
    systems as products, and the vulnerability with their status, the notes, the remediation and the CVSS score."""
    vulnerability = advisory.vulnerability
    publisher, namespace = _publisher()
    systems = products(advisory, user)
    product_ids = [f"AIMS-{row['reference_code'] or row['id']}" for row in systems]
    text = rendered(advisory, user, lang)
    published = advisory.published_at or advisory.created_at
    current = advisory.revised_at or advisory.updated_at
    history = [{"date": _iso(published), "number": str(max(1, advisory.revision)),
                "summary": _in(lang, gettext_noop("Current release"))}]
    notes = [{"category": "summary", "title": text["title"], "text": text["summary"]},
             {"category": "description", "title": text["state"], "text": text["state_sentence"]}]
    entry: dict = {"title": text["title"], "notes": notes,
                   "ids": [{"system_name": publisher, "text": vulnerability.reference}]}
    if vulnerability.cve_id:
        entry["cve"] = vulnerability.cve_id
    if product_ids:
        entry["product_status"] = {CSAF_STATUS[advisory.state]: product_ids}
        if advisory.state == AdvisoryState.NOT_AFFECTED and advisory.not_affected_reason:
            entry["flags"] = [{"label": CSAF_FLAG[advisory.not_affected_reason], "product_ids": product_ids}]
        if advisory.state in (AdvisoryState.AFFECTED, AdvisoryState.FIXED) and text["recommendation"]:
            entry["remediations"] = [{
                "category": "vendor_fix" if advisory.state == AdvisoryState.FIXED else "mitigation",
                "details": text["recommendation"], "product_ids": product_ids}]
        if vulnerability.cvss_version in ("3.0", "3.1") and vulnerability.cvss_vector:
            entry["scores"] = [{"products": product_ids, "cvss_v3": _cvss_v3(vulnerability)}]
    if advisory.credit:
        entry["acknowledgments"] = [{"names": [advisory.credit]}]
    document = {
        "category": "csaf_vex", "csaf_version": "2.0", "lang": lang, "title": text["title"],
        "publisher": {"category": "vendor", "name": publisher, "namespace": namespace},
        "distribution": {"tlp": {"label": "WHITE"}} if advisory.status == Advisory.Status.PUBLISHED else {
            "tlp": {"label": "AMBER"}},
        "notes": [{"category": "summary", "text": text["summary"]}],
        "tracking": {"id": advisory.reference, "status": "final" if advisory.status == Advisory.Status.PUBLISHED
                     else "draft", "version": str(max(1, advisory.revision)),
                     "initial_release_date": _iso(published), "current_release_date": _iso(current),
                     "revision_history": history,
                     "generator": {"engine": {"name": "AIMS"}}},
    }
    return {"document": document,
            "product_tree": {"full_product_names": [{"name": row["name"], "product_id": pid}
                                                    for row, pid in zip(systems, product_ids)]},
            "vulnerabilities": [entry]}


def _cvss_v3(vulnerability) -> dict:
    from cvss import CVSS3

    score = CVSS3(vulnerability.cvss_vector)
    base = float(score.base_score)
    return {"version": vulnerability.cvss_version, "vectorString": score.clean_vector(), "baseScore": base,
            "baseSeverity": score.severities()[0].upper()}
