"""What the incidents services share."""

from datetime import timedelta

from django.db import IntegrityError, transaction

# A moment recorded a little ahead of the server's clock is a clock skew, not a prophecy.
FUTURE_TOLERANCE = timedelta(minutes=5)
# Tries at a free reference before giving up: each failure means another creation took the number at that moment.
REFERENCE_ATTEMPTS = 5


def next_reference(model, prefix: str) -> str:
    """The next free reference people quote (INC-00042, VUL-00007, CVD-00003): the number after the newest row's."""
    number = (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    while model.objects.filter(reference=f"{prefix}-{number:05d}").exists():
        number += 1
    return f"{prefix}-{number:05d}"


def save_with_free_reference(obj, prefix: str) -> None:
    """Insert a checked new object under a free reference. Two creations at the same moment (two public reports, two
    people declaring incidents) may compute the same number: the unique index refuses the second insert, which then
    takes the next number instead of failing."""
    model = type(obj)
    for attempt in range(REFERENCE_ATTEMPTS):
        try:
            with transaction.atomic():  # a savepoint: the caller's transaction goes on after a refused insert
                obj.save()
            return
        except IntegrityError:
            if attempt == REFERENCE_ATTEMPTS - 1 or not model.objects.filter(reference=obj.reference).exists():
                raise
            obj.reference = next_reference(model, prefix)
