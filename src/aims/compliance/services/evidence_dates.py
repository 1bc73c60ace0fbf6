"""Date arithmetic shared with the evidence library (months counted the calendar way)."""

from aims.evidence.services import add_months  # noqa: F401
