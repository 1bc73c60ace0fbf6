"""What the evidence library announces, so that other modules (compliance readiness, later audits) react without the
evidence app importing them. Sent inside the service's transaction; carries `items` (a list) and `actor` and
`targets`, the (object type, object id) pairs the items are (or, for a deletion or an unlink, were) linked to."""

from django.dispatch import Signal

# Items were created, got a new version, changed validity, were linked/unlinked, flagged or confirmed, or deleted.
evidence_changed = Signal()
