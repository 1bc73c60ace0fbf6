"""The demo bank's portfolio of AI systems, as data: what `demo.py` registers over the demo's past year.

Days are counted back from today (365: the day the bank adopted AIMS). People are named by e-mail, units by code
(aims.core.demo.PEOPLE and UNITS). The demo bank's people write in English; the product shows them in their language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .testing import answers

CLAIRE, KARIM, SOPHIE, LUCAS = ("claire.martin@example.com", "karim.benali@example.com", "sophie.durand@example.com",
                                "lucas.petit@example.com")
JULIE, HUGO, EMMA, THOMAS, PAUL = ("julie.bernard@example.com", "hugo.fontaine@example.com",
                                   "emma.rousseau@example.com", "thomas.girard@example.com",
                                   "paul.lefebvre@example.com")
ADOPTION = 365


@dataclass(frozen=True)
class DemoSystem:
    reference: str
    name: str
    unit: str
    owner: str
    registered: int  # days ago
    fields: dict
    people: dict = field(default_factory=dict)  # system field -> e-mail
    registered_by: str | None = None  # e-mail; the AIMS manager when None
    components: tuple = ()
    dependencies: tuple = ()
    task: str = ""
    limitations: str = ""  # the model card's technical limitations ("" = no model card yet)
    answers: dict | None = None  # EU AI Act questionnaire (None = not classified yet)
    final_tier: str | None = None
    rationale: str = ""
    classified: int = 0
    classified_by: str | None = None  # the owner when None
    signed_off_by: str | None = None  # None: the classification waits in the "To approve" inbox
    stages: tuple = ()  # (days ago, stage)
    override: str = ""  # why a failed gate may be passed: the demo's one deliberate override (none elsewhere)
    decisions: tuple = ()  # (days ago, decision, rationale): the system's decision log


LUMEN = {"kind": "external_api", "name": "Lumen chat model", "version_label": "2026-05",
         "provider": "Lumen Language Models Ltd", "origin": "supplier",
         "description": "Hosted large language model used through the vendor's API.",
         "evidence_links": [{"label": "Lumen trust centre (SOC 2 report)", "url": "https://lumen.example.com/trust"}]}
LIGHTGBM = {"kind": "library", "name": "LightGBM", "version_label": "4.5", "supplier": "Open source (MIT licence)",
            "notes": "Gradient-boosting library of the scoring models."}

SYSTEMS: list[DemoSystem] = [
    DemoSystem(
        reference="AIS-DEMO-CREDIT", name="Credit-scoring model", unit="retail", owner=JULIE, registered=ADOPTION,
        fields={"purpose": "Scores consumer loan applications for the probability of default; the score and its main "
                           "reasons go to the loan officer, who decides.",
                "intended_use": "Consumer loans up to 75,000 EUR applied for in branches and online, in France.",
                "criticality": "critical", "personal_data": True, "confidential_data": True,
                "external_exposure": "customers", "autonomy": "human_in_the_loop", "deployment_mode": "on_premises",
                "human_oversight": "Every declined application is reviewed by a second loan officer.",
                "users_and_affected": "Loan officers (users); applicants (affected).",
                "value": "Faster decisions and 12% fewer defaults than the former scorecard.", "priority": 1},
        people={"technical_lead": PAUL, "business_referent": HUGO, "incident_contact": PAUL, "backup_owner": HUGO},
        components=(
            {"kind": "model", "name": "Credit default scorer", "version_label": "4.2", "origin": "in_house",
             "task": "Binary classification", "architecture": "Gradient-boosted trees", "role": "main model"},
            {"kind": "dataset", "name": "Loan applications and repayments", "version_label": "2019-2025",
             "origin": "in_house", "source": "Loan origination system", "contains_personal_data": True,
             "provenance": "Applications and repayment history of the bank's own customers.",
             "quality_notes": "Rejected applications have no outcome: reject inference applied.",
             "role": "training data"},
            {"kind": "dataset", "name": "Credit bureau extracts", "version_label": "monthly", "origin": "supplier",
             "provider": "CreditView Bureau", "contains_personal_data": True, "source": "Bureau batch file",
             "evidence_links": [{"label": "Data processing agreement", "url": "https://creditview.example.com/dpa"}],
             "role": "input data"},
        ),
        dependencies=(LIGHTGBM,),
        task="Binary classification (probability of default)",
        limitations="Not validated for business loans.\nApplicants with under 6 months of history get a neutral score.",
        answers=answers(annex_iii_uses=["credit_scoring"], profiling="yes"), classified=350,
        signed_off_by=KARIM, stages=((364, "operation"),),
        decisions=((340, "Keep the 2023 scorecard as a fallback for one year.",
                    "Lets loan officers compare when the model's score looks wrong."),),
    ),
    DemoSystem(
        reference="AIS-DEMO-FRAUD", name="Card fraud detector", unit="retail", owner=HUGO, registered=ADOPTION,
        fields={"purpose": "Scores every card payment in real time and holds the suspicious ones for a check by the "
                           "fraud team.",
                "intended_use": "Debit and credit card payments of the bank's customers.",
                "criticality": "high", "personal_data": True, "external_exposure": "internal",
                "autonomy": "human_on_the_loop", "deployment_mode": "cloud",
                "human_oversight": "The fraud team releases or confirms each held payment within 30 minutes.",
                "value": "Fraud losses down by a third.", "priority": 1},
        people={"technical_lead": PAUL, "business_referent": JULIE, "incident_contact": PAUL},
        components=(
            {"kind": "model", "name": "Card fraud scorer", "version_label": "7", "origin": "in_house",
             "task": "Anomaly detection", "architecture": "Gradient-boosted trees", "role": "main model"},
            {"kind": "dataset", "name": "Card payments with chargebacks", "version_label": "2024-2025",
             "origin": "in_house", "contains_personal_data": True, "source": "Card processing platform",
             "role": "training data"},
        ),
        dependencies=(LIGHTGBM, {"kind": "data_feed", "name": "Card payment stream", "supplier": "Card processor",
                                 "sla": "99.95% availability; 50 ms per message."}),
        task="Anomaly detection on card payments",
        limitations="New merchants have no history for their first two weeks.",
        answers=answers(annex_iii_uses=["fraud_detection"]), classified=355, signed_off_by=CLAIRE,
        stages=((364, "operation"),),
    ),
    DemoSystem(
        reference="AIS-DEMO-CHATBOT", name="Customer service chatbot", unit="operations", owner=EMMA, registered=300,
        fields={"purpose": "Answers customers' questions on the website and in the app, on a vendor's large language "
                           "model over the bank's help pages.",
                "intended_use": "Questions about cards, accounts and fees; hands over to an adviser on request.",
                "criticality": "high", "personal_data": True, "external_exposure": "public",
                "autonomy": "human_on_the_loop", "deployment_mode": "saas",
                "human_oversight": "Advisers read a sample of 50 conversations a week.",
                "users_and_affected": "Customers and prospects.", "priority": 2},
        people={"technical_lead": PAUL, "business_referent": CLAIRE, "incident_contact": PAUL, "backup_owner": PAUL},
        components=(
            {**LUMEN, "role": "main model"},
            {"kind": "prompt_config", "name": "Customer chatbot instructions", "version_label": "12",
             "origin": "in_house", "role": "system prompt", "unit": "operations"},
            {"kind": "dataset", "name": "Help pages and fee schedule", "version_label": "2026", "origin": "in_house",
             "source": "Public website", "role": "retrieval knowledge base", "unit": "operations"},
        ),
        task="Question answering over the help pages",
        limitations="Does not give advice on investments or loans.\nAnswers only in French and English.",
        answers=answers(transparency_cases=["interacts_with_people"], built_on_gpai="yes",
                        upstream_gpai_model="Lumen chat model (Lumen Language Models Ltd)"), classified=290,
        signed_off_by=KARIM, stages=((285, "design"), (255, "development"), (225, "validation"), (205, "deployment"),
                                     (198, "operation")),
        decisions=((230, "Hand over to an adviser whenever the customer asks twice.",
                    "Pilot feedback: customers felt stuck."),),
    ),
    DemoSystem(
        reference="AIS-DEMO-CV", name="CV screening assistant", unit="hr", owner=SOPHIE, registered=160,
        registered_by=SOPHIE,
        fields={"purpose": "Ranks applications against the job's requirements so recruiters read the best-matching "
                           "first.",
                "intended_use": "Branch and head-office vacancies with more than 50 applicants.",
                "criticality": "high", "personal_data": True, "external_exposure": "public",
                "autonomy": "human_in_the_loop", "deployment_mode": "saas",
                "human_oversight": "A recruiter reads every application; the ranking only orders them.",
                "users_and_affected": "Recruiters (users); job applicants (affected)."},
        people={"technical_lead": PAUL, "incident_contact": SOPHIE},
        components=({"kind": "saas_feature", "name": "TalentSift screening", "version_label": "2026",
                     "provider": "TalentSift SAS", "origin": "supplier", "unit": "hr", "role": "main model"},),
        task="Ranking of job applications",
        answers=answers(annex_iii_uses=["recruitment"], profiling="yes"), classified=150,
        signed_off_by=CLAIRE, stages=((140, "design"), (100, "development"), (40, "validation")),
    ),
    DemoSystem(
        reference="AIS-DEMO-CODE", name="Code assistant for developers", unit="data-ai", owner=PAUL, registered=75,
        registered_by=PAUL,
        fields={"purpose": "Suggests code and tests in the developers' editor.",
                "intended_use": "Internal developers; no customer data in prompts.", "criticality": "low",
                "confidential_data": True, "external_exposure": "internal", "autonomy": "human_in_the_loop",
                "deployment_mode": "saas"},
        people={"technical_lead": LUCAS},
        components=({"kind": "external_api", "name": "CodePilot Enterprise", "version_label": "3",
                     "provider": "DevTools AI Inc", "origin": "supplier", "role": "main model"},),
        answers=answers(), classified=70, classified_by=PAUL, signed_off_by=None, stages=((60, "design"),),
    ),
    DemoSystem(
        reference="AIS-DEMO-OCR", name="Document reader for account opening", unit="operations", owner=EMMA,
        registered=120,
        fields={"purpose": "Reads identity documents and payslips sent at account opening and fills in the form.",
                "intended_use": "Account opening files; an adviser checks every field before validating.",
                "criticality": "medium", "personal_data": True, "external_exposure": "internal",
                "autonomy": "human_in_the_loop", "deployment_mode": "on_premises"},
        people={"technical_lead": PAUL, "incident_contact": PAUL},
        components=({"kind": "model", "name": "Document text recognition", "version_label": "0.9",
                     "origin": "open_source", "licence": "Apache-2.0", "task": "Optical character recognition",
                     "role": "main model"},
                    {"kind": "dataset", "name": "Annotated document samples", "version_label": "2026",
                     "origin": "in_house", "contains_personal_data": True, "role": "evaluation data",
                     "quality_notes": "Blurred and rotated scans over-represented on purpose."}),
        task="Optical character recognition", limitations="Handwritten documents are not read.",
        answers=answers(), classified=115, signed_off_by=KARIM,
        stages=((110, "design"), (90, "development"), (50, "validation"), (20, "deployment")),
    ),
    DemoSystem(
        reference="AIS-DEMO-AML", name="Anti-money-laundering transaction monitoring", unit="risk", owner=THOMAS,
        registered=ADOPTION,
        fields={"purpose": "Flags unusual transfers for the financial crime analysts, who decide on a suspicious "
                           "activity report.",
                "intended_use": "Transfers and cash deposits of retail customers.", "criticality": "critical",
                "personal_data": True, "confidential_data": True, "external_exposure": "internal",
                "autonomy": "human_in_the_loop", "deployment_mode": "on_premises"},
        people={"technical_lead": PAUL, "incident_contact": THOMAS},
        components=({"kind": "model", "name": "Unusual transfer detector", "version_label": "3.1",
                     "origin": "in_house", "task": "Anomaly detection", "role": "main model", "unit": "risk"},),
        dependencies=({"kind": "data_feed", "name": "Payment messages feed", "supplier": "Payments platform"},),
        task="Anomaly detection on transfers", limitations="Crypto-asset transfers are out of scope.",
        answers=answers(), classified=345, signed_off_by=CLAIRE, stages=((364, "operation"),),
    ),
    DemoSystem(
        reference="AIS-DEMO-CHURN", name="Customer churn prediction", unit="retail", owner=JULIE, registered=90,
        fields={"purpose": "Predicts which customers are likely to leave so advisers can call them first.",
                "intended_use": "Retail customers with a current account for more than a year.",
                "criticality": "low", "personal_data": True, "external_exposure": "internal",
                "autonomy": "human_in_the_loop", "deployment_mode": "cloud"},
        people={"technical_lead": PAUL},
        components=({"kind": "dataset", "name": "Customer activity", "version_label": "24 months",
                     "origin": "in_house", "contains_personal_data": True, "role": "training data"},),
        answers=answers(profiling="yes"), classified=25, signed_off_by=None,
        stages=((80, "design"), (30, "development")),
    ),
    DemoSystem(
        reference="AIS-DEMO-SPEECH", name="Call-centre speech analytics", unit="operations", owner=EMMA, registered=130,
        fields={"purpose": "Transcribes calls, finds their topics and, as offered by the vendor, scores the "
                           "advisers' emotions.",
                "intended_use": "Quality review of customer calls.", "criticality": "medium", "personal_data": True,
                "external_exposure": "customers", "autonomy": "human_on_the_loop", "deployment_mode": "saas"},
        people={"technical_lead": PAUL},
        components=({"kind": "saas_feature", "name": "VoiceInsight analytics", "version_label": "5",
                     "provider": "VoiceInsight GmbH", "origin": "supplier", "unit": "operations",
                     "role": "main model"},),
        answers=answers(prohibited_practices=["emotion_workplace_education"]), classified=125,
        signed_off_by=KARIM, stages=((120, "design"),),
        decisions=((118, "Stop the project until the emotion scoring is switched off.",
                    "Inferring employees' emotions at work is prohibited by the AI Act."),),
    ),
    DemoSystem(
        reference="AIS-DEMO-MARKETING", name="Marketing content generator", unit="retail", owner=HUGO,
        registered=ADOPTION,
        fields={"purpose": "Drafts campaign texts and images from a brief; the marketing team edits and approves "
                           "each piece.",
                "intended_use": "Newsletters and social media posts.", "criticality": "low",
                "external_exposure": "public", "autonomy": "human_in_the_loop", "deployment_mode": "saas"},
        people={"technical_lead": PAUL, "business_referent": JULIE},
        components=({**LUMEN, "role": "text generation"},
                    {"kind": "prompt_config", "name": "Brand voice instructions", "version_label": "4",
                     "origin": "in_house", "role": "system prompt", "unit": "retail"}),
        task="Text and image generation", limitations="Never publishes without a person's approval.",
        answers=answers(transparency_cases=["synthetic_content", "deepfake"], built_on_gpai="yes",
                        upstream_gpai_model="Lumen chat model (Lumen Language Models Ltd)"),
        classified=330, signed_off_by=KARIM, stages=((364, "operation"), (25, "revision")),
        # The demo's one gate override, on purpose: an example of the feature, with its reason.
        override="Live before AIMS was adopted; the vendor's support desk handled its incidents, so no incident "
                 "contact was named. Kept live (low criticality, every piece approved by a person) while the retail "
                 "on-call rota is set up.",
    ),
    DemoSystem(
        reference="AIS-DEMO-CASH", name="Branch cash demand forecast", unit="retail", owner=JULIE, registered=ADOPTION,
        fields={"purpose": "Forecast the cash each branch needs for the coming week.",
                "intended_use": "Cash orders of the branches.", "criticality": "low", "external_exposure": "internal",
                "autonomy": "human_in_the_loop", "deployment_mode": "on_premises"},
        people={"technical_lead": PAUL, "incident_contact": PAUL},
        dependencies=({"kind": "engine", "name": "Statistical runtime", "version_label": "9.4",
                       "supplier": "Legacy analytics vendor", "notes": "Out of support."},),
        task="Time-series forecasting", limitations="Branches opened in the last six months have too little history.",
        answers=answers(), classified=300, signed_off_by=KARIM, stages=((364, "operation"),),
    ),
    DemoSystem(
        reference="AIS-DEMO-PRICING", name="Loan pricing rules", unit="retail", owner=JULIE, registered=200,
        fields={"purpose": "Computes the rate of a consumer loan from a grid written by the pricing committee.",
                "intended_use": "Consumer loans.", "criticality": "medium", "external_exposure": "customers"},
        answers=answers(ai_system="no"), classified=195, signed_off_by=CLAIRE,
    ),
]

# Tools employees declared using on their own. A declaration with "triaged" is registered as a system (owner, unit,
# name) or rejected (with the reason); without, it waits for the AIMS manager.
SHADOW = [
    {"tool": "Meeting transcription app", "declared_by": "marc.moreau@example.com", "declared": 45, "triaged": 40,
     "purpose": "Transcribes branch team meetings and drafts the minutes.", "data": "Names and opinions of staff.",
     "owner": JULIE, "unit": "retail", "name": "Meeting minutes assistant",
     "fields": {"personal_data": True, "external_exposure": "internal", "criticality": "low"}},
    {"tool": "Free online translator", "declared_by": THOMAS, "declared": 120, "triaged": 115,
     "purpose": "Translating suspicious-transaction reports from foreign banks.",
     "data": "Names and account numbers of customers.",
     "rejected": "Customer data may not leave the bank: use the approved translation service on the intranet."},
    {"tool": "Personal chat assistant account", "declared_by": "marc.moreau@example.com", "declared": 6,
     "purpose": "Drafting replies to customer complaints.", "data": "Complaint letters, sometimes with account details."},
]

# Change decisions: requested by whom and when, the approvers' verdicts (days ago, e-mail, slot, "approve" or the
# reason of a rejection) and when an approved one takes effect.
CHANGES = [
    {"system": "AIS-DEMO-CREDIT", "kind": "major_update", "requested_by": JULIE, "requested": 100,
     "description": "Retrain the scorer on 2025 data after the drift of the spring (version 4.3).",
     "verdicts": [(98, CLAIRE, "governance_committee", "approve")], "effective": 95},
    {"system": "AIS-DEMO-FRAUD", "kind": "minor_update", "requested_by": HUGO, "requested": 12,
     "description": "Lower the hold threshold from 0.92 to 0.90 for card-not-present payments.",
     "verdicts": [(10, JULIE, "business_referent", "approve")]},
    {"system": "AIS-DEMO-CHATBOT", "kind": "minor_update", "requested_by": EMMA, "requested": 150,
     "description": "Add the new fee schedule to the knowledge base.",
     "verdicts": [(149, PAUL, "technical_lead", "approve"), (148, CLAIRE, "business_referent", "approve")],
     "effective": 147},
    {"system": "AIS-DEMO-CASH", "kind": "retirement", "requested_by": JULIE, "requested": 70,
     "description": "Retire the forecast: the new cash platform forecasts the branches' needs itself.",
     "verdicts": [(68, KARIM, "governance_committee", "approve"), (66, "nadia.haddad@example.com", "dpo", "approve"),
                  (65, CLAIRE, "management", "approve")], "effective": 60,
     "effective_reason": "Replaced by the cash platform's own forecast."},
    {"system": "AIS-DEMO-SPEECH", "kind": "major_update", "requested_by": EMMA, "requested": 8,
     "description": "Switch off the vendor's emotion scoring and keep only transcription and topics."},
    {"system": "AIS-DEMO-MARKETING", "kind": "major_update", "requested_by": HUGO, "requested": 30,
     "description": "Move to the vendor's new model version and add image generation for social media.",
     "verdicts": [(27, KARIM, "governance_committee", "approve")], "effective": 26},
]
