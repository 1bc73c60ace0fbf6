"""What the inventory announces, so that other modules (risks, later incidents and suppliers) can react to it without
the inventory importing them.

Sent from inside the service's transaction: whatever a receiver writes commits or rolls back with the change itself.
Every signal carries `system` and `actor` (the person who made the change).
"""

from django.dispatch import Signal

# A system was registered.
system_registered = Signal()
# A system was (re)classified under the AI Act; also carries `classification`.
system_classified = Signal()
# A system entered another lifecycle stage; also carries `previous` and `stage` (Stage values).
stage_changed = Signal()
# An approved change decision took effect; also carries `decision` (decision.kind tells minor, major, retirement).
change_effective = Signal()
