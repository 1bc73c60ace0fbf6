"""Models of the risk module, split by entity (method, catalogues, risks, impact assessments)."""

from .catalog import Threat, ThreatCatalog  # noqa: F401
from .common import RiskCategory  # noqa: F401
from .impact import ImpactAssessment  # noqa: F401
from .method import RiskMethod  # noqa: F401
from .risk import Risk, RiskAcceptance, RiskReview, RiskSuggestion, TreatmentAction  # noqa: F401
