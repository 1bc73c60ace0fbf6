from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from aims.core import context
from aims.core.testing import OrgUnitFactory, person_with_role

PDF = (b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> "
       b"endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def pdf(name: str = "report.pdf", extra: bytes = b"") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF + extra, content_type="application/pdf")


@pytest.fixture
def unit(db):
    root = OrgUnitFactory(name="Bank", code="bank")
    return OrgUnitFactory(name="Data & AI", code="data-ai", parent=root)


@pytest.fixture
def manager(unit):
    """An AIMS manager over the whole organisation (may delete evidence)."""
    return person_with_role("aims_manager", None, home_unit=unit)


@pytest.fixture
def contributor(unit):
    return person_with_role("contributor", unit)


def clock_at(moment: datetime):
    """A clock fixed at `moment` for context.bound(clock=...) (the services date new objects with it)."""
    return context.bound(clock=lambda: moment)


def days_ago(days: int) -> datetime:
    return timezone.now() - timedelta(days=days)


