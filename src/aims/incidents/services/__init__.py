"""State changes of the incidents module: one function per change, each checking permission and writing its ledger
event in the same transaction (docs/adding-an-entity.md)."""

from .incidents import (  # noqa: F401
    INCIDENT_EDITABLE, add_timeline_entry, change_status, create_incident, update_incident,
)
from .profile import update_profile  # noqa: F401
from .regimes import (  # noqa: F401
    apply_regime, dismiss_regime, proposals_for, recompute, record_submission, refresh, send_reminders,
)
from .containment import (  # noqa: F401
    active_holds, lift_decision, measures_in_force, record_decision, release_hold, sync_holds,
)
from .review import (  # noqa: F401
    add_action, approve_review, complete_action, return_review, save_review, submit_review,
)
from .vulnerabilities import (  # noqa: F401
    add_mitigation, change_vulnerability_status, complete_mitigation, create_vulnerability, send_mitigation_reminders,
    update_vulnerability,
)
from .crisis import (  # noqa: F401
    add_member, escalate, log_communication, log_decision, remove_member, stand_down, tick_item,
)
from .exercises import (  # noqa: F401
    add_exercise_action, add_finding, add_inject, add_participant, complete_exercise, complete_exercise_action,
    plan_exercise, record_moment, start_exercise,
)
