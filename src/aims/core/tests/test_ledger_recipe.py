"""The fast paths of verification compute exactly the documented recipe (a mismatch would report false tampering)."""

import json
from datetime import datetime, timezone as dt_timezone

import pytest
from django.db import connection

from aims.core import ledger, ledger_chain

TRICKY = [
    0, -1, 2**63, None, "", "plain", "é à ç", "日本語", "emoji 🙂", "quote \" backslash \\ slash /",
    "line\nbreak\ttab\rreturn", "\x00\x01\x1f\x7f", "\u2028\u2029", '{"name":"x","n":[1,2]}', "\ud7ff\ue000",
]


@pytest.mark.parametrize("value", TRICKY)
def test_canonical_encoder_matches_json_dumps(value):
    row = [1, "2025-01-02 03:04:05.000000", value, "label", value]
    assert ledger_chain.encode_array(row) == json.dumps(row, separators=(",", ":"), ensure_ascii=False)


@pytest.mark.django_db
@pytest.mark.parametrize("moment", [
    datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt_timezone.utc),
    datetime(2025, 1, 2, 3, 4, 5, 500000, tzinfo=dt_timezone.utc),
    datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=dt_timezone.utc),
    datetime(1999, 7, 1, 0, 0, 0, 1, tzinfo=dt_timezone.utc),
])
def test_database_side_timestamp_text_matches_the_python_recipe(moment):
    """verify() lets the database format created_at; it must give what timestamp_text gives for the stored value."""
    stored = connection.ops.adapt_datetimefield_value(moment)
    template = ledger._CREATED_AT_TEXT[connection.vendor]
    column = "CAST(%s AS timestamptz)" if connection.vendor == "postgresql" else "%s"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {template.replace('created_at', column)}", [stored] * template.count("created_at"))
        (text,) = cursor.fetchone()
    assert text == ledger.timestamp_text(moment) == ledger.timestamp_text(stored)
