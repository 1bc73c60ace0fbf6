"""Words for durations: a countdown reads "2 d 5 h left" or "overdue by 3 h", in the reader's language."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext as _


def span(delta: timedelta) -> str:
    seconds = abs(int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


def countdown(delta: timedelta | None) -> str:
    if delta is None:
        return ""
    if delta.total_seconds() < 0:
        return _("overdue by %(span)s") % {"span": span(delta)}
    return _("%(span)s left") % {"span": span(delta)}
