"""Demo data of the supplier module (aims.core.demo): an LLM API vendor approved after a completed assessment, whose
model the HR chatbot uses; a SaaS vendor still being onboarded with a missing contract clause; a data broker under
re-assessment. Everything goes through the services, as people would: the HR system owner registers and submits, the
Chief AI Officer approves (never the person who submitted)."""

from __future__ import annotations

from datetime import date

from aims.core.demo import Organisation
from aims.inventory.models import AISystem, Component

from . import services
from .models import Supplier

OWNER = "sophie.durand@example.com"
APPROVER = "claire.martin@example.com"
CHATBOT_REFERENCE = "AIS-DEMO-HR-BOT"
ALL_CLAUSES = ["incident_notification", "change_notice", "audit_rights", "data_return", "reversibility",
               "liability_ip", "ai_act_documentation"]


def load(organisation: Organisation) -> None:
    owner, approver = organisation.people.get(OWNER), organisation.people.get(APPROVER)
    unit = organisation.units.get("hr")
    if owner is None or approver is None or unit is None or Supplier.objects.exists():
        return
    admin = organisation.admin

    llm = services.create_supplier(
        actor=owner, legal_name="Lumen Language Models Ltd", unit=unit, owner=owner, backup=approver, country="IE",
        registration_number="IE-712345", website="https://lumen.example.com",
        services="Hosted large language model API (chat completion and embeddings).", clauses=ALL_CLAUSES,
        dpa_signed_on=date(2026, 3, 2), hosting_countries=["IE", "NL"],
        subprocessors=[{"name": "Cloud hosting provider", "country": "NL", "purpose": "Hosting"},
                       {"name": "Safety filter vendor", "country": "US", "purpose": "Abuse detection", "ai": True}],
        trains_on_our_data="no", prompt_retention_days=30, output_retention_days=30, model_change_notice_days=90,
        model_provenance="Proprietary model trained by the vendor on licensed and public web data; model card "
                         "published.", value_chain_role="gpai_provider")
    services.add_contact(actor=owner, supplier=llm, name="Nora Quinn", email="security@lumen.example.com",
                         function="Trust & security lead")
    services.add_certification(actor=owner, supplier=llm, scheme="iso27001", reference="IS 771234",
                               valid_from=date(2025, 6, 1), valid_until=date(2028, 5, 31))
    services.add_certification(actor=owner, supplier=llm, scheme="soc2", reference="Type II 2026",
                               valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31))
    chatbot = AISystem.objects.filter(reference_code=CHATBOT_REFERENCE).first()
    if chatbot is not None:
        from aims.inventory import services as inventory

        model = Component.objects.filter(name="Lumen chat model", provider=llm.legal_name).first() or \
            inventory.create_component(actor=admin, kind="external_api", name="Lumen chat model",
                                       version_label="2026-05", provider=llm.legal_name, origin="supplier",
                                       evidence_links=[{"label": "Lumen trust centre (SOC 2 report)",
                                                        "url": "https://lumen.example.com/trust"}],
                                       owner_unit=unit, reason="demo data")
        if not chatbot.component_links.filter(component=model).exists():
            inventory.link_component(actor=admin, system=chatbot, component=model, role="main model")
        services.link_supply(actor=owner, supplier=llm, component=model)
    assessment = services.start_assessment(actor=owner, supplier=llm, summary="Initial due diligence.")
    services.complete_assessment(actor=owner, assessment=assessment, score=82,
                                 summary="Mature security programme; incident notification within 24 hours.")
    services.submit_for_approval(actor=owner, supplier=Supplier.objects.get(pk=llm.pk))
    services.approve_supplier(actor=approver, supplier=llm, comment="Due diligence complete.")

    saas = services.create_supplier(
        actor=owner, legal_name="DeskFlow SAS", unit=unit, owner=owner, backup=approver, country="FR",
        services="HR ticketing SaaS with an embedded AI reply assistant.",
        clauses=["incident_notification", "change_notice"], trains_on_our_data="opt_out",
        value_chain_role="system_provider", hosting_countries=["FR"])
    services.add_contact(actor=owner, supplier=saas, name="Hugo Lambert", email="compliance@deskflow.example.com",
                         function="Account manager")
    assessment = services.start_assessment(actor=owner, supplier=saas)
    services.complete_assessment(actor=owner, assessment=assessment, score=74,
                                 summary="Good answers; the contract lacks the data return clause.")

    broker = services.create_supplier(
        actor=owner, legal_name="DataHarbor Brokers Inc", unit=unit, owner=owner, backup=approver, country="US",
        services="Labour-market datasets used to benchmark salaries.", clauses=ALL_CLAUSES,
        value_chain_role="component_supplier", trains_on_our_data="no", hosting_countries=["US"],
        dpa_signed_on=date(2025, 11, 15))
    services.add_contact(actor=owner, supplier=broker, name="Maya Ortiz", email="privacy@dataharbor.example.com",
                         function="Data protection officer")
    first = services.start_assessment(actor=owner, supplier=broker)
    services.complete_assessment(actor=owner, assessment=first, score=71, summary="Lineage documented.")
    services.submit_for_approval(actor=owner, supplier=Supplier.objects.get(pk=broker.pk))
    services.approve_supplier(actor=approver, supplier=broker, comment="Approved for one year.")
    services.start_assessment(actor=owner, supplier=broker,
                              summary="Yearly re-assessment: new data sources announced by the broker.")
