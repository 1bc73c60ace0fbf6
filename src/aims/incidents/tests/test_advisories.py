"""Advisories: plain-language text in English and French beside the facts, rendered in each language; published only
in both languages and after the embargo agreed with the reporter; exported as CycloneDX 1.6 VEX and CSAF 2.0
(csaf_vex), each validated against its official JSON schema (CycloneDX's as cyclonedx-python-lib ships it, CSAF's and
the CVSS schemas it refers to as csaf-lib ships them)."""

from __future__ import annotations

import json
from datetime import timedelta
from importlib import resources

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from aims.incidents import advisory_exports, services
from aims.incidents.services import advisories, disclosure
from aims.inventory.models import Component, SystemComponent

pytestmark = pytest.mark.django_db

CVSS31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:L/A:N"
TEXT = {"title_en": "Hidden instructions in documents steer the assistant",
        "title_fr": "Des instructions cachées dans des documents orientent l'assistant",
        "summary_en": "A document can carry instructions the assistant follows.",
        "summary_fr": "Un document peut porter des instructions que l'assistant suit.",
        "recommendation_en": "Only index trusted folders.", "recommendation_fr": "N'indexez que des dossiers sûrs."}


def csaf_validator():
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4, DRAFT7

    folder = resources.files("csaf_lib.verification") / "schemas"

    def load(name):
        return json.loads((folder / name).read_text(encoding="utf-8"))

    registry = Registry().with_resources([
        ("https://www.first.org/cvss/cvss-v2.0.json", Resource.from_contents(load("cvss_v2_0.json"),
                                                                             default_specification=DRAFT4)),
        ("https://www.first.org/cvss/cvss-v3.0.json", Resource.from_contents(load("cvss_v3_0.json"),
                                                                             default_specification=DRAFT4)),
        ("https://www.first.org/cvss/cvss-v3.1.json", Resource.from_contents(load("cvss_v3_1.json"),
                                                                             default_specification=DRAFT7)),
    ])
    schema = load("csaf_2_0.json")
    assert schema["$id"] == "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json"
    return Draft202012Validator(schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


def cyclonedx_errors(bom: dict) -> list[str]:
    from aims.inventory.exchange.schema import validator

    return [error.message for error in validator("1.6").iter_errors(bom)]


@pytest.fixture
def vulnerability(org, handler, make_system):
    model = Component.objects.create(kind="model", name="Support LLM", version_label="1.0")
    for name, code in (("HR chatbot", "AIS-HR"), ("Sales assistant", "AIS-SALES")):
        SystemComponent.objects.create(system=make_system(name=name, reference_code=code), component=model)
    return services.create_vulnerability(actor=handler, title="Indirect prompt injection", unit=org["north"],
                                         kind="prompt_injection", cvss_vector=CVSS31, cve_id="CVE-2026-12345",
                                         components=[model])


def test_both_exports_validate_against_their_schemas_in_every_state(vulnerability, handler):
    advisory = advisories.save_advisory(actor=handler, vulnerability=vulnerability, changes=dict(TEXT))
    csaf_check = csaf_validator()
    for changes in ({"state": "under_investigation"}, {"state": "affected"},
                    {"state": "fixed", "fixed_in": "2026-12-01 release"},
                    {"state": "not_affected", "fixed_in": "", "not_affected_reason": "mitigating_control"}):
        advisory = advisories.save_advisory(actor=handler, vulnerability=vulnerability, changes=changes)
        for lang in ("en", "fr"):
            bom = advisory_exports.cyclonedx_vex(advisory, handler, lang)
            assert cyclonedx_errors(bom) == [], changes
            assert bom["vulnerabilities"][0]["analysis"]["state"] == advisory_exports.CYCLONEDX_STATE[
                advisory.state]
            assert {a["ref"] for a in bom["vulnerabilities"][0]["affects"]} == {"system:AIS-HR", "system:AIS-SALES"}
            document = advisory_exports.csaf(advisory, handler, lang)
            problems = [f"{list(e.absolute_path)}: {e.message}" for e in csaf_check.iter_errors(document)]
            assert problems == [], (changes, problems)
            assert document["document"]["category"] == "csaf_vex" and document["document"]["lang"] == lang
            status = document["vulnerabilities"][0]["product_status"]
            assert status == {advisory_exports.CSAF_STATUS[advisory.state]: ["AIMS-AIS-HR", "AIMS-AIS-SALES"]}
    assert document["vulnerabilities"][0]["flags"][0]["label"] == "inline_mitigations_already_exist"
    assert bom["vulnerabilities"][0]["analysis"]["justification"] == "protected_by_mitigating_control"
    assert document["vulnerabilities"][0]["scores"][0]["cvss_v3"]["baseSeverity"] == "HIGH"


def test_a_broken_document_is_caught_by_the_schemas(vulnerability, handler):
    advisory = advisories.save_advisory(actor=handler, vulnerability=vulnerability, changes=dict(TEXT))
    document = advisory_exports.csaf(advisory, handler, "en")
    document["document"]["category"] = ""
    assert list(csaf_validator().iter_errors(document))
    bom = advisory_exports.cyclonedx_vex(advisory, handler, "en")
    bom["vulnerabilities"][0]["analysis"]["state"] = "probably fine"
    assert cyclonedx_errors(bom)


def test_the_text_is_rendered_in_english_and_french(vulnerability, handler):
    advisory = advisories.save_advisory(actor=handler, vulnerability=vulnerability, changes={
        **TEXT, "state": "fixed", "fixed_in": "version 2.1"})
    english = advisory_exports.rendered(advisory, handler, "en")
    french = advisory_exports.rendered(advisory, handler, "fr")
    assert english["title"] == TEXT["title_en"] and french["title"] == TEXT["title_fr"]
    assert english["state_sentence"] == "The products listed below are fixed from version 2.1."
    assert french["state"] == "Corrigé" and "version 2.1" in french["state_sentence"]
    assert english["products"] == ["HR chatbot", "Sales assistant"]


def test_publishing_needs_french_and_waits_for_the_embargo(vulnerability, handler, manager, org, clock):
    advisory = advisories.save_advisory(actor=handler, vulnerability=vulnerability, changes={
        "title_en": TEXT["title_en"], "summary_en": TEXT["summary_en"]})
    with pytest.raises(ValidationError) as refused:
        advisories.publish_advisory(actor=handler, advisory=advisory)
    assert "title_fr" in refused.value.message_dict
    advisory = advisories.save_advisory(actor=handler, vulnerability=vulnerability, changes=dict(TEXT))
    case, _secret = disclosure.submit_report(summary="Injection", details="Steps")
    disclosure.triage_case(actor=manager, case=case, status="confirmed", vulnerability=vulnerability,
                           embargo_until=clock().date() + timedelta(days=30))
    with pytest.raises(ValidationError) as refused:
        advisories.publish_advisory(actor=handler, advisory=advisory)
    assert "embargo" in str(refused.value)
    clock.time += timedelta(days=31)
    advisory = advisories.publish_advisory(actor=handler, advisory=advisory)
    assert advisory.status == "published" and advisory.revision == 1 and advisory.published_at == clock.time
    document = advisory_exports.csaf(advisory, handler, "fr")
    assert document["document"]["tracking"]["status"] == "final"
    assert document["document"]["title"] == TEXT["title_fr"]
    assert document["document"]["tracking"]["revision_history"][0]["summary"] != "Current release"  # in French
    # A change after publication is the draft of the next revision: the exports do not call it final.
    advisory = advisories.save_advisory(actor=handler, vulnerability=vulnerability, changes={
        "state": "fixed", "fixed_in": "2.2"}, expected_version=advisory.version)
    assert advisory.status == "draft" and advisory.revision == 1
    assert advisory_exports.csaf(advisory, handler, "en")["document"]["tracking"]["status"] == "draft"
    assert advisories.publish_advisory(actor=handler, advisory=advisory).revision == 2


def test_the_advisory_page_and_its_exports(client, vulnerability, handler, viewer):
    client.force_login(handler)
    url = reverse("incidents:advisory", args=[vulnerability.pk])
    vulnerability_page = client.get(reverse("incidents:vulnerability_detail", args=[vulnerability.pk]))
    assert f'id="advisory-link" href="{url}"' in vulnerability_page.content.decode()
    page = client.get(url)
    assert page.status_code == 200 and 'id="advisory-form"' in page.content.decode()
    response = client.post(url, {**TEXT, "state": "affected"})
    assert response.status_code == 302
    body = client.get(url).content.decode()
    assert TEXT["title_fr"].replace("'", "&#x27;") in body and "The products listed below are affected." in body
    export = client.get(reverse("incidents:advisory_export", args=[vulnerability.pk, "csaf"]) + "?lang=fr")
    assert export.status_code == 200 and "attachment" in export["Content-Disposition"]
    assert not list(csaf_validator().iter_errors(json.loads(export.content)))
    bom = json.loads(client.get(reverse("incidents:advisory_export", args=[vulnerability.pk, "cyclonedx"])).content)
    assert cyclonedx_errors(bom) == []
    reader = Client()
    reader.force_login(viewer)
    assert reader.get(url).status_code == 200 and 'id="advisory-form"' not in reader.get(url).content.decode()
    assert reader.post(url, {**TEXT, "state": "fixed"}).status_code in (403, 404)
