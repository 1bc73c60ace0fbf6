"""Dashboard counts of the evidence library, within the reader's scope."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q

from aims.core import context

from . import catalog
from .models import EvidenceItem


def attention_filter(day=None) -> Q:
    """Evidence expiring within the catalogue's window (or expired), or flagged to re-confirm."""
    day = day or context.today()
    horizon = day + timedelta(days=catalog.expiring_within_days())
    return Q(current_version__isnull=False) & (Q(reconfirm_required=True) | Q(expires_on__lte=horizon))


def expiring_or_to_reconfirm(user) -> int:
    return EvidenceItem.objects.restrict(user, "view").filter(attention_filter()).count()
