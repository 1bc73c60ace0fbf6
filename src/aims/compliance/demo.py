"""Demo data of the compliance module and the evidence library (registered with the demo registry at order 30): a year
of a living compliance programme at the demo bank.

- A year ago: the three frameworks are loaded.
- Over the year: 30 controls with owners and recurring tests, results recorded (one recent failure), evidence
  uploaded with real validity dates (one expiring soon, one expired), the Statement of Applicability decided (A.7.4,
  data quality, is still under review: the journey of the browser tests decides it), version 1 submitted by the
  administrator and approved by the AIMS manager, an ISO/IEC 42001 gap assessment whose score rises month by month.
- Today: every classified demo AI system has its AI Act obligations, some with evidence.
Everything goes through the services, as people would.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.text import slugify

from aims.core import approvals, context
from aims.core.demo import Organisation
from aims.core.permissions import can_in_unit

from . import services
from .models import Control, Requirement, SoAEntry

CLAIRE, KARIM, LUCAS, SOPHIE = ("claire.martin@example.com", "karim.benali@example.com", "lucas.petit@example.com",
                                "sophie.durand@example.com")
# The Annex A control the browser journey decides, and the control it links to it.
UNDECIDED_IN_DEMO = "A.7.4"
JOURNEY_CONTROL = "CTL-024"

# (reference, title, owner, unit code or None, Annex A and clause refs, type, frequency, status, evidence: None, or
#  (type, days of validity left) — negative: expired)
CONTROLS = [
    ("CTL-001", "AI policy approved by the board and published", CLAIRE, None, ["A.2.2", "5.2"], "preventive",
     "every_year", "effective", ("policy", 300)),
    ("CTL-002", "Yearly review of the AI policy", CLAIRE, None, ["A.2.4"], "detective", "every_year", "in_place",
     ("meeting_minutes", 200)),
    ("CTL-003", "Security and privacy policies checked against the AI policy", KARIM, None, ["A.2.3"], "preventive",
     "every_year", "in_place", ("assessment", 150)),
    ("CTL-004", "AI roles and responsibilities accepted in writing", CLAIRE, None, ["A.3.2", "5.3"], "preventive",
     "every_year", "in_place", ("training_record", 240)),
    ("CTL-005", "Confidential channel for concerns about AI systems", CLAIRE, None, ["A.3.3"], "detective",
     "every_year", "effective", ("policy", 320)),
    ("CTL-006", "AI inventory with a named owner and backup for every system", CLAIRE, None, ["A.4.2"], "preventive",
     "every_quarter", "effective", ("log_extract", 60)),
    ("CTL-007", "Dataset register with origin, licence and purpose", LUCAS, "data-ai", ["A.4.3", "A.7.5"],
     "preventive", "every_quarter", "in_place", ("technical_documentation", 120)),
    ("CTL-008", "Register of ML libraries and platforms with versions", LUCAS, "data-ai", ["A.4.4"], "preventive",
     "every_quarter", "in_place", ("technical_documentation", 20)),
    ("CTL-009", "Compute and hosting documented for each system", LUCAS, "data-ai", ["A.4.5"], "preventive",
     "every_six_months", "in_place", ("technical_documentation", 150)),
    ("CTL-010", "AI competence matrix and training records", CLAIRE, None, ["A.4.6", "7.2"], "preventive",
     "every_year", "in_place", ("training_record", 200)),
    ("CTL-011", "Impact assessment before any go-live", KARIM, None, ["A.5.2", "A.5.3", "6.1.4"], "preventive",
     "every_quarter", "effective", ("assessment", 250)),
    ("CTL-012", "Fairness tests across protected groups", LUCAS, "data-ai", ["A.5.4"], "detective", "every_quarter",
     "in_place", ("test_report", 90)),
    ("CTL-013", "Societal impact review of public-facing AI", KARIM, None, ["A.5.5"], "preventive", "every_year",
     "planned", None),
    ("CTL-014", "Responsible-AI objectives in every project charter", CLAIRE, None, ["A.6.1.2"], "preventive",
     "every_year", "in_place", ("policy", 280)),
    ("CTL-015", "AI development procedure with stage gates", CLAIRE, None, ["A.6.1.3"], "preventive", "every_year",
     "effective", ("policy", 280)),
    ("CTL-016", "Signed-off requirements before development", LUCAS, "data-ai", ["A.6.2.2"], "preventive",
     "every_quarter", "in_place", ("technical_documentation", 100)),
    ("CTL-017", "Model cards and design records kept current", LUCAS, "data-ai", ["A.6.2.3", "A.6.2.7"],
     "preventive", "every_quarter", "in_place", ("technical_documentation", 100)),
    ("CTL-018", "Independent model validation before release", KARIM, None, ["A.6.2.4"], "detective", "every_quarter",
     "effective", ("test_report", 75)),
    ("CTL-019", "Go-live gate: documentation, owner approval, escalation path", CLAIRE, None, ["A.6.2.5"],
     "preventive", "every_quarter", "effective", ("log_extract", 80)),
    ("CTL-020", "Production monitoring of model performance and drift", LUCAS, "data-ai", ["A.6.2.6"],
     "detective", "every_month", "effective", ("log_extract", 25)),
    ("CTL-021", "Decision and event logs kept at least six months", LUCAS, "data-ai", ["A.6.2.8"], "detective",
     "every_quarter", "in_place", ("log_extract", -5)),
    ("CTL-022", "Rules for selecting training data", LUCAS, "data-ai", ["A.7.2"], "preventive", "every_six_months",
     "in_place", ("policy", 200)),
    ("CTL-023", "Licence and consent checks before acquiring data", LUCAS, "data-ai", ["A.7.3"], "preventive",
     "every_quarter", "in_place", ("assessment", 110)),
    ("CTL-024", "Data quality checks before training", LUCAS, "data-ai", ["A.7.6"], "preventive", "every_quarter",
     "in_place", None),
    ("CTL-025", "Labelling procedure with double review", LUCAS, "data-ai", ["A.7.6"], "preventive", "every_quarter",
     "in_place", ("policy", 160)),
    ("CTL-026", "Instructions for use given to every user", SOPHIE, "hr", ["A.8.2"], "preventive", "every_year",
     "in_place", ("technical_documentation", 210)),
    ("CTL-027", "External channel to report adverse effects", CLAIRE, None, ["A.8.3"], "detective", "every_year",
     "in_place", ("policy", 230)),
    ("CTL-028", "Incident communication plan with regulatory deadlines", KARIM, None, ["A.8.4", "A.8.5"],
     "corrective", "every_six_months", "in_place", ("policy", 170)),
    ("CTL-029", "Human review of every declined credit application", KARIM, None, ["A.9.2", "A.9.3", "A.9.4"],
     "preventive", "every_month", "effective", ("log_extract", 28)),
    ("CTL-030", "Due diligence and contract clauses for AI suppliers", KARIM, None, ["A.10.2", "A.10.3"],
     "preventive", "every_year", "in_place", ("contract", 330)),
]
EXCLUDED = {"A.10.4": "Acme Bank provides no AI product or service to customers as a supplier; customer-facing AI "
                      "is covered by A.8 and A.9."}
TEST_FAILS = {"CTL-012": "Approval rate gap of 9 points between age groups on the credit model (threshold 5)."}


def pdf_bytes(title: str) -> bytes:
    """A small, valid one-page PDF naming the document (demo evidence files)."""
    text = title.replace("\\", "").replace("(", "").replace(")", "")[:80]
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << "
               b"/F1 5 0 R >> >> >>",
               b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def demo_file(title: str, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(title), content_type="application/pdf")


def _requirement(ref: str) -> Requirement | None:
    return Requirement.objects.filter(framework__key="iso42001", ref=ref).first()


def history(organisation: Organisation) -> None:
    admin, people, units = organisation.admin, organisation.people, organisation.units
    if not all(email in people for email in (CLAIRE, KARIM, LUCAS, SOPHIE)):
        return
    claire = people[CLAIRE]
    services.load_packaged_frameworks(actor=None)

    def create_controls():
        for reference, title, owner, unit, refs, kind, frequency, status, _evidence in CONTROLS:
            control = services.create_control(
                actor=claire, reference=reference, title=title, owner=people[owner], unit=units.get(unit),
                control_type=kind, frequency=frequency, status=status,
                links={"requirements": [r for r in map(_requirement, refs) if r is not None]})
            services.add_test(actor=claire, control=control, name="Walk-through and sample check",
                              pass_criteria="The control operated as described on a sample of 10 cases; no "
                                            "exception left unexplained.")

    organisation.at(300, create_controls)
    _go_live_evidence(organisation)

    def record_results(days_ago: int):
        def step():
            for control in Control.objects.prefetch_related("tests").order_by("reference"):
                test = control.tests.first()
                fails = control.reference in TEST_FAILS and days_ago < 30
                if test is None or control.status == Control.Status.PLANNED:
                    continue
                services.record_test_result(actor=control.owner, test=test, result="fail" if fails else "pass",
                                            notes=TEST_FAILS[control.reference] if fails else "10 of 10 cases as "
                                                                                             "described")
        return step

    organisation.at(120, record_results(120))
    organisation.at(20, record_results(20))

    def upload_evidence():
        from aims.evidence import services as evidence

        today = context.today()
        for number, (reference, title, _owner, unit, _refs, _kind, _frequency, _status, spec) in enumerate(CONTROLS):
            control = Control.objects.get(reference=reference)
            if spec is None:
                continue
            evidence_type, days_left = spec
            home = units.get(unit) or units["risk"]
            uploader = control.owner if can_in_unit(control.owner, "add", "evidence", home) else claire
            item = evidence.create_evidence(
                actor=uploader, owner=control.owner, title=f"{title} — record", unit=home,
                evidence_type=evidence_type, valid_until=today + timedelta(days=days_left + 14),
                file=demo_file(title, f"{reference.lower()}.pdf"), link_to=[control], note="Demo record")
            # Most uploads were signed off at once; a few still wait in the AIMS manager's "To approve" inbox.
            if number % 5 and approvals.may_approve(claire, evidence.APPROVAL, item.current_version):
                evidence.approve_version(actor=claire, version=item.current_version)

    organisation.at(14, upload_evidence)

    def ask_for_drift_report():
        from aims.evidence import services as evidence

        control = Control.objects.filter(reference="CTL-020").first()
        if control is not None:
            evidence.request_evidence(actor=claire, requested_from=people[LUCAS], target=control,
                                      title="Monthly drift report of the credit-scoring model",
                                      description="The PSI report of last month, with the thresholds applied.",
                                      due_date=context.today() + timedelta(days=9), evidence_type="log_extract")

    organisation.at(4, ask_for_drift_report)

    def decide_soa():
        for entry in SoAEntry.objects.select_related("requirement"):
            ref = entry.requirement.ref
            if ref == UNDECIDED_IN_DEMO:
                continue
            if ref in EXCLUDED:
                services.update_soa_entry(actor=claire, entry=entry, changes={
                    "applicability": "excluded", "justification": EXCLUDED[ref]})
                continue
            implemented = Control.objects.filter(requirements=entry.requirement,
                                                 status__in=["in_place", "effective"]).exists()
            services.update_soa_entry(actor=claire, entry=entry, changes={
                "applicability": "applicable", "owner": claire,
                "implementation": "implemented" if implemented else "planned",
                "justification": "Required by our AI risk treatment (clause 6.1.3): see the linked controls."})

    organisation.at(240, decide_soa)
    organisation.at(200, lambda: services.submit_soa_version(
        actor=admin, summary="First Statement of Applicability after the AI risk assessment. A.7.4 (data quality) "
                             "stays open while the data-quality control is designed."))

    def approve_soa():
        from .models import SoAVersion

        version = SoAVersion.objects.filter(status="submitted").first()
        if version is not None:
            services.approve_soa_version(actor=claire, version=version, comment="Reviewed with the governance "
                                                                                 "committee.")

    organisation.at(196, approve_soa)

    def assessment_step(days_ago: int, conforming_share: float):
        def step():
            from .models import Framework, GapAssessment

            assessment = GapAssessment.objects.filter(status="open").first()
            if assessment is None:
                assessment = services.start_assessment(actor=claire, framework=Framework.objects.get(key="iso42001"),
                                                       title="ISO/IEC 42001 readiness assessment")
            rows = list(assessment.rows.order_by("position"))
            for index, row in enumerate(rows):
                if index < int(len(rows) * conforming_share) and row.status != "conforming":
                    services.assess_requirement(actor=claire, row=row, status="conforming")
                elif int(len(rows) * conforming_share) <= index < int(len(rows) * (conforming_share + 0.2)) and \
                        row.status != "partial":
                    services.assess_requirement(actor=claire, row=row, status="partial",
                                                notes="Process defined, records incomplete.")
            services.take_snapshot(actor=claire, assessment=assessment)
        return step

    for days_ago, share in ((210, 0.1), (150, 0.3), (90, 0.45), (45, 0.6), (7, 0.7)):
        organisation.at(days_ago, assessment_step(days_ago, share))
    _policies_history(organisation)


# (template, audience units, audience roles, controls relying on it, who acknowledges and when (days ago))
POLICIES = [
    ("ai_policy", ["acme"], [], ["CTL-001", "CTL-014"],
     [(CLAIRE, 270), (KARIM, 268), (SOPHIE, 262), (LUCAS, 255), ("anne.leroy@example.com", 250)]),
    ("responsible_use", ["data-ai", "hr"], [], ["CTL-029"], [(LUCAS, 180), (SOPHIE, 175)]),
    ("roles", [], ["aims_manager", "risk_manager", "system_owner"], ["CTL-004"],
     [(CLAIRE, 240), (KARIM, 238)]),
]


# Systems that go live during the year, when their evidence is filed (before the go-live: the gate asks for it).
GO_LIVE_EVIDENCE = (
    ("AIS-DEMO-CHATBOT", 210, {
        "ai_literacy": ("AI literacy training — customer service advisers", "training_record"),
        "upstream_gpai_information": ("Lumen model card and integration guide", "technical_documentation")}),
    ("AIS-DEMO-OCR", 24, {"ai_literacy": ("AI literacy training — account opening team", "training_record")}),
)


def _go_live_evidence(organisation: Organisation) -> None:
    from aims.evidence import services as evidence
    from aims.inventory.models import AISystem

    from .models import SystemObligation

    def file(reference: str, kinds: dict):
        def step():
            system = AISystem.objects.select_related("unit", "owner").filter(reference_code=reference).first()
            if system is None or system.owner is None:
                return
            for obligation in SystemObligation.objects.filter(system=system, key__in=kinds, is_active=True):
                title, kind = kinds[obligation.key]
                evidence.create_evidence(actor=system.owner, title=title, unit=system.unit, owner=system.owner,
                                         evidence_type=kind, valid_until=context.today() + timedelta(days=365),
                                         link_to=[obligation], file=demo_file(title, f"{slugify(title)}.pdf"))
        return step

    for reference, days_ago, kinds in GO_LIVE_EVIDENCE:
        organisation.at(days_ago, file(reference, kinds), at="16:30")


def _policies_history(organisation: Organisation) -> None:
    """Three policies written by the administrator, approved by the AIMS manager, published to their audience and
    acknowledged by most of it; the AI policy got a non-material update later, and a material draft is under way."""
    admin, people, units = organisation.admin, organisation.people, organisation.units
    claire = people[CLAIRE]

    def publish(template_key, unit_codes, roles, controls):
        def step():
            from .models import Policy

            # The demo bank writes its policies in French, its working language.
            policy = services.create_policy(actor=admin, template_key=template_key, owner=claire, language="fr",
                                            units=[units[c] for c in unit_codes if c in units], roles=roles)
            version = policy.versions.get()
            services.submit_policy_version(actor=admin, version=version)
            services.approve_policy_version(actor=claire, version=version, comment="Approuvée par le comité.")
            services.publish_policy_version(actor=admin, version=version)
            for reference in controls:
                control = Control.objects.filter(reference=reference).first()
                if control is not None:
                    services.set_control_links(actor=None, control=control,
                                               policies=[*control.policies.all(), Policy.objects.get(pk=policy.pk)])
        return step

    def acknowledge(template_key, email):
        def step():
            from .models import Policy

            policy = Policy.objects.filter(template=template_key).first()
            if policy is not None and email in people:
                services.acknowledge(actor=people[email], policy=policy)
        return step

    for offset, (template_key, unit_codes, roles, controls, acks) in enumerate(POLICIES):
        organisation.at(280 - offset * 30, publish(template_key, unit_codes, roles, controls))
        for email, days_ago in acks:
            organisation.at(days_ago, acknowledge(template_key, email))

    def minor_update():
        from .models import Policy

        policy = Policy.objects.filter(template="ai_policy").first()
        version = services.start_new_version(actor=admin, policy=policy)
        services.edit_draft(actor=admin, version=version, material=False,
                            body=version.body.replace("au moins une fois par an", "au moins deux fois par an"),
                            change_summary="Compte rendu au comité exécutif deux fois par an (formulation).")
        services.submit_policy_version(actor=admin, version=version)
        services.approve_policy_version(actor=claire, version=version)
        services.publish_policy_version(actor=admin, version=version)

    organisation.at(60, minor_update)

    def material_draft():
        from .models import Policy

        policy = Policy.objects.filter(template="responsible_use").first()
        version = services.start_new_version(actor=admin, policy=policy)
        services.edit_draft(actor=admin, version=version, material=True,
                            body=version.body + "\n6. N'utilisez pas de compte personnel d'IA pour le travail, même sur "
                                                "un outil approuvé.\n",
                            change_summary="Nouvelle règle 6 sur les comptes personnels.")

    organisation.at(3, material_draft)


def load(organisation: Organisation) -> None:
    """Today: every classified demo system has its obligations (kept in step by the classification itself; this
    catches systems classified by modules loaded before the compliance module), some evidenced."""
    if "claire.martin@example.com" not in organisation.people:
        return
    from .models import Framework

    if not Framework.objects.filter(key="iso42001").exists():  # loaded by the history normally
        services.load_packaged_frameworks(actor=None)
    services.sync_all()
    from aims.evidence import services as evidence

    from .models import SystemObligation

    from aims.evidence.links import linked_ids

    literacy = list(SystemObligation.objects.filter(key="ai_literacy", is_active=True).select_related(
        "system__unit", "system__owner")[:10])
    filed = linked_ids("compliance.systemobligation", [o.pk for o in literacy])
    for obligation in literacy:
        if obligation.system.owner is None or obligation.system.owner.unit is None or filed.get(str(obligation.pk)):
            continue
        evidence.create_evidence(
            actor=organisation.admin, title=f"AI literacy training — {obligation.system.name}",
            unit=obligation.system.unit, owner=obligation.system.owner, evidence_type="training_record",
            valid_until=context.today() + timedelta(days=300), link_to=[obligation],
            file=demo_file("AI literacy training attendance", "ai-literacy.pdf"))
    _obligation_exceptions(organisation)


def _obligation_exceptions(organisation: Organisation) -> None:
    """Exceptions asked for by systems' owners: one approved by the AIMS manager, one waiting in her inbox."""
    from .models import SystemObligation

    manager = organisation.people["claire.martin@example.com"]
    asked = (SystemObligation.objects.filter(is_active=True, applies_from__isnull=False, exception_requested_at=None)
             .exclude(key="ai_literacy").exclude(system__owner=None).exclude(system__owner=manager)
             .select_related("system__owner").order_by("applies_from", "pk"))
    reasons = ["The instructions for use are being rewritten with the vendor; published before the next release.",
               "Logging is kept by the vendor's platform; our copy starts with the migration planned for next quarter."]
    for number, (obligation, reason) in enumerate(zip(asked[:2], reasons)):
        obligation = services.request_exception(actor=obligation.system.owner, obligation=obligation,
                                                justification=reason)
        if number == 0:  # the second one waits in the AIMS manager's inbox
            services.approve_exception(actor=manager, obligation=obligation,
                                       comment="Accepted until the next release.")
