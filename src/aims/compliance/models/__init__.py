"""Compliance models, split by entity; import them from here (`from aims.compliance.models import Control`)."""

from .frameworks import Framework, Requirement, RequirementMapping  # noqa: F401
