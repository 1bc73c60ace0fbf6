"""State changes of the risk module, one function per change (see each submodule). Import from here:

    from aims.risks import services
    services.create_risk(actor=..., ...)
"""

from .acceptance import APPROVAL as ACCEPTANCE_APPROVAL  # noqa: F401
from .acceptance import (  # noqa: F401
    acceptance_authority, accept_risk, awaits_acceptance, may_accept, withdraw_acceptance,
)
from .catalogs import import_atlas_file, import_catalog, load_builtin_catalogs  # noqa: F401
from .impact import APPROVAL as IMPACT_APPROVAL  # noqa: F401
from .impact import (  # noqa: F401
    approve_impact_assessment, reopen_impact_assessment, request_impact_reassessment, return_impact_assessment,
    save_impact_answers, start_impact_assessment, submit_impact_assessment,
)
from .methods import (  # noqa: F401
    activate_method, create_method, create_method_version, delete_draft_method, load_default_method, update_method,
)
from .reviews import complete_review, expire_acceptance, open_review, request_risk_review  # noqa: F401
from .risks import (  # noqa: F401
    add_treatment_action, assess_risk, close_risk, create_risk, decide_treatment, scored_changes, set_risk_links,
    set_treatment_action_status, update_risk, update_treatment_action,
)
from .suggestions import (  # noqa: F401
    RULES_ACTOR, accept_suggestion, dismiss_suggestion, refresh_suggestions, suggest_by_rules,
)
