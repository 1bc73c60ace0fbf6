"""The demo bank's risks and impact assessments, as data: what `demo.py` schedules over the demo's past year.

Days are counted back from today, like the inventory's portfolio (inventory/demo_portfolio.py), and people are named
by e-mail. A risk comes from one of its system's suggested risks (`suggestion`: the key of a catalogue rule) or is
written by its owner (`title`, `category`, `threats` as (catalogue key, threat id)). Its life, each step optional:

- `identified`: days ago the suggestion was accepted or the risk recorded (by the system owner);
- `assessed`: (days ago, who, likelihood, impact), on the active 4x4 method;
- `treatment`: (days ago, decision, rationale), by the risk owner;
- `actions`: (title, owner, created days ago, due N days after creation, done days ago or None);
- `residual`: (days ago, who, likelihood, impact), once an action is done or planned;
- `accepted`: (days ago, who, rationale), for a year at most;
- `closed`: (days ago, who, reason).

The risk owner is the system owner unless `owner` says otherwise. States covered: identified, assessed, treated (with
actions done and planned), accepted (within appetite by the owner, above it by the risk manager), waiting for an
acceptance in the risk and AIMS managers' "To approve" inbox, closed; suggestions accepted, dismissed or undecided.
"""

from __future__ import annotations

from aims.inventory.demo_portfolio import CLAIRE, EMMA, HUGO, JULIE, KARIM, LUCAS, PAUL, SOPHIE, THOMAS

TAXONOMY, OWASP = "aims-ai-risk-taxonomy", "owasp-llm-2025"

RISKS: list[dict] = [
    # Credit scoring (high-risk, live): bias and explainability treated, drift re-scored after the spring retraining.
    {"system": "AIS-DEMO-CREDIT", "suggestion": "discriminatory_outcome", "identified": 349,
     "event": "Applicants of some age groups or nationalities are declined more often at equal repayment capacity.",
     "assessed": (345, KARIM, 3, 4),
     "treatment": (340, "reduce", "Fairness testing before each release and features that proxy for protected "
                                  "characteristics removed."),
     "actions": [("Quarterly fairness test on age, sex and nationality", PAUL, 340, 60, 290),
                 ("Remove the postcode from the model's features", PAUL, 340, 90, 250)],
     "residual": (245, KARIM, 2, 3)},
    {"system": "AIS-DEMO-CREDIT", "suggestion": "lack_of_explainability", "identified": 349,
     "assessed": (345, KARIM, 3, 3),
     "treatment": (330, "reduce", "Loan officers must be able to tell an applicant why the score is low."),
     "actions": [("Show the score's four main reasons to the loan officer", PAUL, 330, 120, 200)],
     "residual": (195, KARIM, 2, 2)},
    {"system": "AIS-DEMO-CREDIT", "suggestion": "drift", "identified": 300, "assessed": (300, PAUL, 2, 3),
     "treatment": (120, "reduce", "The spring monitoring showed the applicant population moving."),
     "actions": [("Retrain the scorer on 2025 data", PAUL, 120, 30, 96),
                 ("Monthly population stability report to the credit committee", PAUL, 94, 120, None)],
     "residual": (90, KARIM, 1, 2)},
    {"system": "AIS-DEMO-CREDIT", "suggestion": "vendor_lock_in",
     "dismissed": (348, "The scorer is built in-house on an open-source library: no supplier's model to replace.")},
    # Card fraud detector: false positives accepted by the owner, waiting for the risk manager's acceptance.
    {"system": "AIS-DEMO-FRAUD", "suggestion": "drift", "identified": 350, "assessed": (340, KARIM, 3, 3),
     "treatment": (338, "reduce", "Fraud patterns change every few weeks."),
     "actions": [("Weekly drift report with an alert to the fraud team", PAUL, 338, 30, 300)],
     "residual": (298, KARIM, 2, 3)},
    {"system": "AIS-DEMO-FRAUD", "title": "Too many legitimate card payments held (false positives)",
     "category": "quality_reliability", "threats": [(TAXONOMY, "excessive_automation")], "identified": 14,
     "event": "Lowering the hold threshold holds more legitimate card-not-present payments.",
     "consequence": "Customers' payments wait up to 30 minutes; complaints to the call centre.",
     "assessed": (13, KARIM, 4, 2),
     "treatment": (11, "accept", "Holding a few more legitimate payments is the price of catching card-not-present "
                                 "fraud; the fraud team releases them within 30 minutes.")},
    {"system": "AIS-DEMO-FRAUD", "suggestion": "discriminatory_outcome", "identified": 350,
     "assessed": (220, KARIM, 1, 3),
     "accepted": (200, KARIM, "The model uses payment and merchant features only, no personal attributes; the yearly "
                              "fairness test found no difference between age groups.")},
    {"system": "AIS-DEMO-FRAUD", "suggestion": "data_poisoning", "identified": 350, "assessed": (340, PAUL, 1, 3),
     "closed": (150, HUGO, "Training data now comes only from the card platform's signed files: the threat no longer "
                           "applies.")},
    # Customer chatbot on a vendor LLM: prompt injection treated, hallucinations accepted within appetite.
    {"system": "AIS-DEMO-CHATBOT", "suggestion": "prompt_injection", "identified": 280,
     "assessed": (270, KARIM, 3, 3),
     "treatment": (260, "reduce", "A public chatbot will be attacked; the pilot must not start untested."),
     "actions": [("Red-team the chatbot before the pilot", PAUL, 255, 30, 215),
                 ("Filter instructions found in retrieved help pages", PAUL, 20, 45, None)],
     "residual": (210, KARIM, 2, 3)},
    {"system": "AIS-DEMO-CHATBOT", "suggestion": "hallucination", "identified": 280, "assessed": (270, KARIM, 3, 2),
     "accepted": (265, EMMA, "Answers link to the help page they come from, and an adviser takes over on request.")},
    {"system": "AIS-DEMO-CHATBOT", "suggestion": "vendor_lock_in", "identified": 280, "assessed": (250, KARIM, 2, 3),
     "treatment": (240, "transfer", "The contract carries the exit: six months' notice and an export of the logs."),
     "actions": [("Add an exit clause to the Lumen contract", EMMA, 240, 60, 150)]},
    # Before the pilot's go-live (day 205) the owner decides every other suggestion, as the gate asks.
    {"system": "AIS-DEMO-CHATBOT", "suggestion": "sensitive_information_disclosure", "identified": 232,
     "assessed": (228, KARIM, 1, 2)},
    {"system": "AIS-DEMO-CHATBOT", "suggestion": "abuse_by_public_users", "identified": 232,
     "assessed": (228, KARIM, 2, 1)},
    {"system": "AIS-DEMO-CHATBOT", "suggestion": "supply_chain_compromise", "identified": 232,
     "assessed": (228, KARIM, 1, 2)},
    {"system": "AIS-DEMO-CHATBOT", "suggestion": "training_data_leakage",
     "dismissed": (230, "The vendor's model is not trained on our conversations (contract clause 7.2), and we train "
                        "nothing ourselves.")},
    {"system": "AIS-DEMO-CHATBOT", "suggestion": "data_poisoning",
     "dismissed": (230, "Nothing is trained here: answers come from the help pages, which only the web team edits.")},
    # CV screener (high-risk, in validation): bias treated with one action done and one planned.
    {"system": "AIS-DEMO-CV", "suggestion": "discriminatory_outcome", "identified": 150,
     "assessed": (135, KARIM, 3, 4),
     "treatment": (130, "reduce", "Ranking applicants is a high-risk use: bias must be measured and reduced before "
                                 "go-live."),
     "actions": [("Bias audit of the ranking on last year's applications", PAUL, 130, 60, 70),
                 ("Hide names, photos and ages from the ranking", SOPHIE, 130, 150, None)]},
    {"system": "AIS-DEMO-CV", "suggestion": "lack_of_explainability", "identified": 150,
     "assessed": (130, KARIM, 3, 3)},
    {"system": "AIS-DEMO-CV", "suggestion": "high_risk_obligations_unmet", "identified": 150},
    # Code assistant: licence leakage treated, secrets in prompts being treated.
    {"system": "AIS-DEMO-CODE", "title": "Generated code copies licensed code", "category": "ip_content",
     "threats": [(TAXONOMY, "ip_infringement")], "identified": 65,
     "consequence": "Code under an incompatible licence ends up in the bank's applications.",
     "assessed": (60, PAUL, 2, 2),
     "treatment": (58, "reduce", "The vendor offers a filter that blocks suggestions matching public code."),
     "actions": [("Turn on the vendor's public-code filter", LUCAS, 58, 14, 50)],
     "residual": (48, PAUL, 1, 2)},
    {"system": "AIS-DEMO-CODE", "title": "Secrets pasted into prompts leave the bank", "category": "security",
     "threats": [(TAXONOMY, "sensitive_information_disclosure"), (OWASP, "LLM02")], "identified": 65,
     "event": "A developer's prompt carries a password or an API key to the vendor.",
     "assessed": (60, KARIM, 3, 3),
     "treatment": (55, "reduce", "Secrets must be caught before they leave the editor."),
     "actions": [("Secret scanner in the editor plug-in", LUCAS, 55, 90, None)]},
    # AML monitoring: drift treated; churn: a dismissed suggestion; pricing rules are not AI.
    {"system": "AIS-DEMO-AML", "title": "Unusual transfers missed after payment patterns change",
     "category": "quality_reliability", "threats": [(TAXONOMY, "drift")], "identified": 330,
     "consequence": "Suspicious activity goes unreported; regulatory sanction.", "assessed": (320, KARIM, 2, 4),
     "treatment": (310, "reduce", "Back-testing on confirmed cases shows what the detector misses."),
     "actions": [("Yearly back-test on confirmed money-laundering cases", THOMAS, 310, 90, 230)],
     "residual": (228, KARIM, 2, 3)},
    {"system": "AIS-DEMO-CHURN", "suggestion": "data_poisoning",
     "dismissed": (28, "Trained only on the bank's own account activity, which no outsider can write to.")},
    {"system": "AIS-DEMO-PRICING", "suggestion": "drift",
     "dismissed": (190, "Rules written by the pricing committee: no model learns from data.")},
    {"system": "AIS-DEMO-PRICING", "suggestion": "lack_of_explainability",
     "dismissed": (190, "Each rate is read from the published pricing grid.")},
    # Speech analytics: the prohibited emotion scoring is avoided; the document reader's misreadings treated.
    {"system": "AIS-DEMO-SPEECH", "title": "Emotion scoring of advisers is a prohibited practice",
     "category": "regulatory", "threats": [(TAXONOMY, "non_compliance")], "identified": 122,
     "assessed": (120, KARIM, 4, 4),
     "treatment": (118, "avoid", "Inferring employees' emotions at work is prohibited: the feature is switched off."),
     "actions": [("Switch off the vendor's emotion scoring", EMMA, 118, 150, None)]},
    {"system": "AIS-DEMO-OCR", "suggestion": "training_data_leakage",
     "dismissed": (45, "The vendor's reader is used as delivered: no document of ours trains it.")},
    {"system": "AIS-DEMO-OCR", "suggestion": "data_poisoning",
     "dismissed": (45, "The vendor's reader is used as delivered: we do not train it.")},
    {"system": "AIS-DEMO-OCR", "title": "Misread fields go unnoticed at account opening",
     "category": "quality_reliability", "threats": [(TAXONOMY, "poor_validation")], "identified": 100,
     "assessed": (95, PAUL, 3, 2),
     "treatment": (95, "reduce", "An adviser confirms every field the reader filled in."),
     "actions": [("Highlight low-confidence fields for the adviser", PAUL, 95, 40, 60)],
     "residual": (55, PAUL, 1, 2)},
    {"system": "AIS-DEMO-MARKETING", "title": "Generated images infringe third parties' rights", "category": "ip_content",
     "threats": [(TAXONOMY, "ip_infringement")], "identified": 29, "assessed": (28, KARIM, 2, 3)},
    # The retired cash forecast: its risk closed with the system.
    {"system": "AIS-DEMO-CASH", "title": "The forecast runs on an out-of-support statistical runtime",
     "category": "supplier_dependency", "threats": [(TAXONOMY, "supplier_dependency")], "identified": 300,
     "assessed": (300, KARIM, 3, 2),
     "treatment": (290, "reduce", "Replace the forecast rather than pay for extended support."),
     "actions": [("Plan the forecast's replacement by the cash platform", JULIE, 290, 240, 62)],
     "closed": (59, JULIE, "The system is retired and its runtime switched off.")},
]

# The shadow-AI tool registered as a system (found by name: its reference is numbered when it is registered).
SHADOW_RISKS: list[dict] = [
    {"system_name": "Meeting minutes assistant", "title": "Staff meetings leak through a consumer transcription app",
     "category": "privacy", "threats": [(TAXONOMY, "training_data_leakage")], "identified": 38,
     "event": "Recordings and minutes are stored by the app's vendor and may train its models.",
     "assessed": (36, KARIM, 3, 2),
     "treatment": (35, "reduce", "Move the teams to the bank's approved transcription service."),
     "actions": [("Move branch teams to the approved transcription service", JULIE, 35, 60, None)]},
]


def _impact(purpose, groups, count, rights, rights_explanation, flags, societal, severity, likelihood, reversibility,
            oversight, mitigations, redress, residual, conclusion, justification) -> dict:
    keys = ("personal_data", "special_categories", "large_scale", "systematic_monitoring", "automated_decisions",
            "vulnerable_subjects", "innovative_technology")
    return {"purpose": purpose, "affected_groups": groups, "people_count": count, "rights_at_stake": rights,
            "rights_explanation": rights_explanation, **{key: key in flags for key in keys},
            "societal_impacts": societal, "severity": severity, "likelihood": likelihood,
            "reversibility": reversibility, "human_oversight": oversight, "mitigations": mitigations,
            "information_and_redress": redress, "residual_impact": residual, "conclusion": conclusion,
            "justification": justification}


CREDIT_IMPACT = _impact(
    "Scoring consumer loan applications.", ["customers", "applicants"], "under_1m",
    ["non_discrimination", "privacy", "services"], "A low score can deny access to credit, an essential service.",
    {"personal_data", "large_scale", "automated_decisions"}, "Unfair refusals would exclude groups from credit.",
    3, 2, "with_effort", "The loan officer decides; a second officer reviews every refusal.",
    "Quarterly fairness tests; the score's reasons shown to the officer.",
    "Refused applicants are told the main reasons and may ask for a review by a person.", "limited",
    "proceed_with_conditions", "Proceed while the fairness tests stay within their thresholds.")

# (system reference, author, [(days ago, step, who)]) with steps: start, submit, approve.
IMPACT_ASSESSMENTS: list[tuple] = [
    ("AIS-DEMO-CREDIT", JULIE, [(346, "start", JULIE), (342, "submit", JULIE), (336, "approve", KARIM),
                                # the major update of the spring reopened it (risks.triggers): a new run
                                (92, "start", JULIE), (88, "submit", JULIE), (85, "approve", CLAIRE)], CREDIT_IMPACT),
    ("AIS-DEMO-FRAUD", HUGO, [(333, "start", HUGO), (330, "submit", HUGO), (326, "approve", KARIM)], _impact(
        "Holding suspicious card payments for a check.", ["customers"], "over_1m", ["privacy", "services"],
        "A held payment delays a customer's purchase.", {"personal_data", "large_scale", "systematic_monitoring"},
        "Fewer frauds; some customers inconvenienced.", 2, 3, "easily",
        "The fraud team releases or confirms each held payment within 30 minutes.",
        "Weekly drift report; thresholds reviewed by the business referent.",
        "The customer gets a text message and can release the payment from the app.", "limited", "proceed",
        "The harm is short and undone by the fraud team.")),
    ("AIS-DEMO-CHATBOT", EMMA, [(240, "start", EMMA), (236, "submit", EMMA), (232, "approve", KARIM)], _impact(
        "Answering customers' questions on the website and in the app.", ["customers", "public"], "under_1m",
        ["privacy", "expression"], "Customers may share personal details in the chat.",
        {"personal_data", "large_scale", "innovative_technology"}, "Wrong answers could mislead customers about fees.",
        2, 3, "easily", "Advisers read 50 conversations a week and take over on request.",
        "Red-teaming, answers linked to their help page, hand-over after two questions.",
        "The chat says it is an AI and offers an adviser.", "limited", "proceed_with_conditions",
        "Pilot on 5% of visitors first.")),
    ("AIS-DEMO-CV", SOPHIE, [(20, "start", SOPHIE), (9, "submit", SOPHIE)], _impact(
        "Ranking job applications for recruiters.", ["applicants"], "under_10k", ["non_discrimination", "workers"],
        "A biased ranking would disadvantage applicants for a job.", {"personal_data", "automated_decisions"},
        "Unfair hiring across the bank's vacancies.", 3, 2, "with_effort",
        "A recruiter reads every application; the ranking only orders them.",
        "Bias audit done; names, photos and ages hidden from the ranking before go-live.",
        "Applicants are told a tool orders applications and may ask for a person's review.", "limited",
        "proceed_with_conditions", "Go live only once identifying details are hidden.")),
    ("AIS-DEMO-AML", THOMAS, [(15, "start", THOMAS)], {
        "purpose": "Flagging unusual transfers for the financial crime analysts.", "affected_groups": ["customers"],
        "people_count": "over_1m"}),
]
