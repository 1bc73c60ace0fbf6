"""Re-exported so model modules import their shared pieces from one place."""

from ..choices import OrganisationWideReference, RiskCategory  # noqa: F401
