"""Demo data of supplier contracts (aims.core.demo, after the supplier register): the LLM API vendor's contract with
every clause and its exit and continuity plan, tested a few months ago; the SaaS vendor's contract without the data
return clause (its onboarding shows the gap) and with a notice deadline coming up."""

from __future__ import annotations

from datetime import timedelta

from aims.core import context
from aims.core.demo import Organisation

from . import services_contracts as contracts
from .demo import ALL_CLAUSES, OWNER
from .models import Supplier


def load(organisation: Organisation) -> None:
    owner = organisation.people.get(OWNER)
    llm = Supplier.objects.filter(legal_name="Lumen Language Models Ltd").first()
    saas = Supplier.objects.filter(legal_name="DeskFlow SAS").first()
    if owner is None or llm is None or saas is None or llm.contracts.exists():
        return
    today = context.today()
    references = {"incident_notification": "§ 9.2 (24 hours)", "change_notice": "§ 6.4 (90 days)",
                  "audit_rights": "§ 14", "data_return": "§ 17.1", "reversibility": "Annex E",
                  "liability_ip": "§ 19", "ai_act_documentation": "§ 8.3"}
    contracts.create_contract(
        actor=owner, supplier=llm, title="Enterprise API agreement", reference="LUM-2026-014",
        start_date=today - timedelta(days=200), end_date=today - timedelta(days=200) + timedelta(days=3 * 365),
        renewal="auto", notice_days=90,
        clauses={key: {"status": "present", "reference": references[key]} for key in ALL_CLAUSES})
    contracts.save_exit_plan(actor=owner, supplier=llm, changes={
        "strategy": "Switch the chatbot to the second model already qualified in the staging environment; export "
                    "prompts and evaluation sets; ask Lumen for deletion certificates.",
        "alternatives": "Open-weight model hosted in our cloud tenant (qualified in 2026).",
        "continuity": "During an outage the chatbot answers from the FAQ only and routes questions to HR staff.",
        "last_tested_on": today - timedelta(days=150),
        "test_result": "Switch-over in 3 hours; answer quality 4 points lower on the evaluation set."})
    contracts.create_contract(
        actor=owner, supplier=saas, title="DeskFlow subscription", reference="DF-88213",
        start_date=today - timedelta(days=340), end_date=today + timedelta(days=85), renewal="auto", notice_days=60,
        clauses={"incident_notification": {"status": "present", "reference": "Art. 11 (72 hours)"},
                 "change_notice": {"status": "partial", "reference": "Art. 4 (sub-processors only)"},
                 "data_return": {"status": "absent"},
                 "liability_ip": {"status": "present", "reference": "Art. 15"}})
    audit = contracts.record_audit(actor=owner, supplier=llm, title="Yearly supplier audit",
                                   audit_date=today - timedelta(days=40), auditor="Internal audit",
                                   scope="Security programme, incident handling, model change notices.",
                                   conclusion="Satisfactory; one finding on restore tests.")
    finding = contracts.add_finding(actor=owner, audit=audit, title="Backups are not restore-tested",
                                    severity="medium",
                                    description="The vendor could not show a restore test of prompt logs.")
    contracts.add_audit_action(actor=owner, finding=finding, title="Obtain the report of a restore test",
                               owner=owner, due_date=today + timedelta(days=50))
