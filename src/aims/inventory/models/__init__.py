"""Inventory models, split by theme; import them from here (`from aims.inventory.models import AISystem`)."""

from .components import (  # noqa: F401
    Component, ComponentDependency, ComponentKind, Dependency, DependencyKind, Origin, SystemComponent,
    SystemDependency,
)
from .documentation import DecisionLogEntry, LearningApproach, ModelCard, Playbook  # noqa: F401
from .governance import ChangeApproval, ChangeDecision, Classification, GateOverride, OwnerApproval  # noqa: F401
from .shadow import ShadowAIDeclaration  # noqa: F401
from .systems import (  # noqa: F401
    STAGE_ORDER, AiActRole, AiActTier, AISystem, Autonomy, Criticality, DeploymentMode, Exposure, Stage,
)
