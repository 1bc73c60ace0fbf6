import pytest

from aims.compliance import services


@pytest.fixture
def frameworks(db):
    """The shipped frameworks and cross-mappings (ISO/IEC 42001, EU AI Act, NIST AI RMF)."""
    services.load_packaged_frameworks(actor=None)
