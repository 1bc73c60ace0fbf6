"""Date rules the services share, so that a page, the API and an import give the same answer in the same words:

- `refuse_past`: a date that plans something (a next review, the due date of a new action) cannot be in the past;
- `refuse_end_before_start`: a period cannot end before it starts.

Each raises a ValidationError on the field concerned, worded for the person who typed it, in their language. "Today"
is `aims.core.context.today()`, so a replayed history (the demo's past year) is judged at its own date.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import context


def past_message() -> str:
    return _("This date is in the past: choose today or a later date.")


def is_past(value: date | datetime | None) -> bool:
    if value is None:
        return False
    day = timezone.localtime(value).date() if isinstance(value, datetime) else value
    return day < context.today()


def refuse_past(value: date | None, field: str, *, kept=None) -> None:
    """Refuse `value` if it is in the past, unless it is `kept` (the value already stored: a date that became
    overdue stays as it is when something else of the record changes)."""
    if value is not None and value != kept and is_past(value):
        raise ValidationError({field: past_message()})


def shown(value: date | datetime) -> str:
    """A date or moment as the reader's locale writes it."""
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    return date_format(value, "DATE_FORMAT")


def refuse_end_before_start(start, end, *, end_field: str, start_is: str = "") -> None:
    """Refuse an `end` earlier than `start` (nothing to compare when either is missing). `start_is` says what the
    start is, for the message ("the incident was detected"); by default "the start"."""
    if start is None or end is None or end >= start:
        return
    raise ValidationError({end_field: _("This comes before %(start_is)s (%(start)s): choose a later date.")
                           % {"start_is": start_is or _("the start"), "start": shown(start)}})
