"""Every state change of the inventory, one function each (keyword-only, actor first, atomic, ledgered).

Import from here: `from aims.inventory import services; services.create_system(actor=..., ...)`.
"""

from .bulk import (  # noqa: F401
    RowErrors, create_components, create_dependencies, create_model_cards, link_component_dependencies,
    link_components, link_system_dependencies, update_components, update_dependencies,
)
from .changes import (  # noqa: F401
    approve_change, eligible_slots, make_change_effective, pending_slots, reject_change, request_change,
)
from .classification import classify_system, current_classification, sign_off_classification  # noqa: F401
from .components import (  # noqa: F401
    COMPONENT_EDITABLE, DEPENDENCY_EDITABLE, create_component, create_component_for_system, create_component_version,
    create_dependency,
    delete_component, delete_dependency, link_component, link_component_dependency, link_system_dependency,
    unlink_component, unlink_component_dependency, unlink_system_dependency, update_component, update_dependency,
)
from .documentation import (  # noqa: F401
    MODEL_CARD_EDITABLE, Completeness, add_decision, completeness, create_playbook, delete_playbook, save_model_card,
    update_playbook,
)
from .reminders import send_end_of_support_reminders  # noqa: F401
from .shadow import convert_shadow_declaration, declare_shadow_ai, reject_shadow_declaration  # noqa: F401
from .systems import (  # noqa: F401
    SYSTEM_EDITABLE, GateRefused, approve_go_live, create_system, delete_system, gate_status, move_to_stage,
    update_system,
)
