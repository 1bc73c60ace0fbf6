import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aims.compliance import services
from aims.core.testing import OrgUnitFactory, person_with_role

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def frameworks(db):
    """The shipped frameworks and cross-mappings (ISO/IEC 42001, EU AI Act, NIST AI RMF)."""
    services.load_packaged_frameworks(actor=None)


def pdf(name: str = "evidence.pdf", tag: str = "") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF + f"%{tag}\n".encode(), content_type="application/pdf")


@pytest.fixture
def unit(db):
    root = OrgUnitFactory(name="Bank", code="bank")
    return OrgUnitFactory(name="Data & AI", code="data-ai", parent=root)


@pytest.fixture
def aims_manager(unit):
    return person_with_role("aims_manager", None, home_unit=unit)


@pytest.fixture
def control_owner(unit):
    return person_with_role("contributor", unit)
