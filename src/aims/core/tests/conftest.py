"""Fixtures shared by the core tests."""

import pytest

from aims.core import services
from aims.core.models import LedgerEvent


@pytest.fixture
def five_events(admin_user, org):
    """Five ledgered changes (the ledger holds nothing else)."""
    for i in range(5):
        services.create_org_unit(actor=admin_user, name=f"Team {i}", code=f"team-{i}", parent=org["north"])
    assert LedgerEvent.objects.count() == 5
    return list(LedgerEvent.objects.order_by("id"))
