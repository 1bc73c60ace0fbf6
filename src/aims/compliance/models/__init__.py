"""Compliance models, split by entity; import them from here (`from aims.compliance.models import Control`)."""

from .assessments import GapAssessment, GapSnapshot, RequirementAssessment  # noqa: F401
from .controls import FREQUENCY_DAYS, Control, ControlTest, ControlTestResult, Frequency  # noqa: F401
from .frameworks import Framework, Requirement, RequirementMapping  # noqa: F401
from .obligations import SystemObligation  # noqa: F401
from .policies import Policy, PolicyAcknowledgement, PolicyVersion  # noqa: F401
from .soa import SoAEntry, SoAVersion  # noqa: F401
