"""The register's text search: it keeps exactly the risks the plain search keeps (every word, in any case, in one of
the searched columns), reads the risks' text index on SQLite, and that index follows every write."""

import pytest
from django.db import connection

from aims.core.api_utils import search
from aims.risks import register, services
from aims.risks.models import Risk

pytestmark = pytest.mark.django_db

QUERIES = ["drift", "DRIFT", "model drift", "drift model", "ft", "a", "%", "100%", "o'brien", '"quoted"', "it's ok",
           "data_set", "x", "supplier", "nothing-matches", "chat bot", "injection chat", "\\", "dr ft", "manquante"]


def found(q: str, many_matches: bool = False) -> list[int]:
    return sorted(register.apply_filters(Risk.objects.all(), q=q, many_matches=many_matches).values_list(
        "pk", flat=True))


def found_by_the_plain_search(q: str) -> list[int]:
    return sorted(search(Risk.objects.all(), q, register.SEARCH_FIELDS).values_list("pk", flat=True))


@pytest.fixture
def risks(make_risk):
    return [
        make_risk(title="Model drift on scoring", event="Data drifts away"),
        make_risk(title="Prompt injection on the chatbot", consequence="Leak of the 100% private \"quoted\" notes"),
        make_risk(title="Supplier outage", risk_source="O'Brien & Sons' data_set, it's ok"),
        make_risk(title="Biased answers", event="Chat bot answers", consequence="Harm to a person"),
        make_risk(title="Évaluation manquante", risk_source="back\\slash"),
    ]


def test_the_search_keeps_what_the_plain_search_keeps(risks):
    for q in QUERIES:
        assert found(q) == found_by_the_plain_search(q), q
    assert found("drift") == [risks[0].pk]
    assert found("model drift") == found("drift model") == [risks[0].pk]  # every word, in any order
    assert found("injection chat") == [risks[1].pk]  # words may sit in different columns
    assert found("ft") == [risks[0].pk] and found("y") == [risks[0].pk]  # words under three letters: no index
    assert found("it's ok") == found("o'brien") == [risks[2].pk]
    assert found("nothing-matches") == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the text index is SQLite's (PostgreSQL keeps LIKE)")
def test_on_sqlite_the_search_reads_the_index_and_folds_every_alphabet(risks):
    plan = _plan(register.apply_filters(Risk.objects.all(), q="drift"))
    assert "risks_risk_search VIRTUAL TABLE" in plan and "SCAN risks_risk " not in f"{plan} "
    assert found("ÉVALUATION") == [risks[4].pk]  # LIKE folds only ASCII letters


def test_a_search_known_to_match_many_keeps_the_same_risks(risks):
    for q in QUERIES:
        assert found(q, many_matches=True) == found(q), q


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the text index is SQLite's (PostgreSQL keeps LIKE)")
def test_a_search_known_to_match_many_walks_the_sort_index(risks):
    ordered = Risk.objects.order_by("-inherent_rank", "-inherent_score", "-pk")
    by_matches = _plan(register.apply_filters(ordered, q="drift")[:50])
    by_sort = _plan(register.apply_filters(ordered, q="drift", many_matches=True)[:50])
    assert "USE TEMP B-TREE FOR ORDER BY" in by_matches  # reads the matches, then sorts them
    assert "risk_inherent_sort" in by_sort and "TEMP B-TREE FOR ORDER BY" not in by_sort


def test_the_register_reads_a_search_with_many_matches_through_the_sort_index(client, owner, make_risk,
                                                                               monkeypatch):
    from django.test.utils import CaptureQueriesContext

    from aims.risks import views_register

    for number in range(12):
        make_risk(title=f"Drift {number:02d}", owner=owner)
    make_risk(title="Unrelated", owner=owner)
    client.force_login(owner)

    def page(url):
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url).content.decode()
        return html, [q["sql"] for q in queries.captured_queries]

    for url in ("/risks/?q=drift", "/risks/?q=drift&sort=title&page=2", "/risks/?q=drift&sort=-updated"):
        monkeypatch.setattr(views_register, "WALKED_RISKS", 0)  # never worth it: the matches are read and sorted
        few_html, few_sql = page(url)
        monkeypatch.setattr(views_register, "WALKED_RISKS", 2000)  # 12 matches of 13 risks: a short walk
        many_html, many_sql = page(url)
        assert few_html.count("<tr data-risk") == many_html.count("<tr data-risk") > 0
        assert _rows(few_html) == _rows(many_html), url  # the same risks, in the same order
        assert len(few_sql) == len(many_sql)  # counted once
        assert not any(MATCHED_ROW_BY_ROW in sql for sql in few_sql)
        if connection.vendor == "sqlite":  # the walk matches each risk it meets, without reading every match first
            assert any(MATCHED_ROW_BY_ROW in sql and "risks_risk_search" not in sql for sql in many_sql), url
    # a sort across a join keeps reading the matches
    assert not any(MATCHED_ROW_BY_ROW in query for query in page("/risks/?q=drift&sort=owner")[1])
    monkeypatch.setattr(views_register, "WALKED_RISKS", 1)  # so does a walk longer than this many risks
    assert not any(MATCHED_ROW_BY_ROW in query for query in page("/risks/?q=drift")[1])


def test_a_search_for_words_like_would_not_fold_walks_only_among_many_matches(client, owner, make_risk, monkeypatch):
    from django.test.utils import CaptureQueriesContext

    from aims.risks import views_register

    for number in range(6):
        make_risk(title=f"Dérive {number}", owner=owner)
    client.force_login(owner)

    def page():
        with CaptureQueriesContext(connection) as queries:
            html = client.get("/risks/?q=dérive").content.decode()
        return _rows(html), " ".join(q["sql"] for q in queries.captured_queries)

    few_rows, few_sql = page()
    monkeypatch.setattr(views_register, "MANY_MATCHES", 2)
    monkeypatch.setattr(views_register, "WALKED_SHARE", 1)
    many_rows, many_sql = page()
    assert few_rows == many_rows and len(few_rows) == 6
    assert "+U0" not in few_sql and ("+U0" in many_sql) == (connection.vendor == "sqlite")


MATCHED_ROW_BY_ROW = "LIKE '%drift%'"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the text index is SQLite's (PostgreSQL keeps LIKE)")
def test_a_walk_keeps_the_index_for_words_that_like_would_not_fold(risks):
    """LIKE folds the case of ASCII letters only: a walk for any other word still reads the matches from the index,
    and finds what the index finds."""
    ordered = Risk.objects.order_by("-inherent_rank", "-inherent_score", "-pk")
    walked = register.apply_filters(ordered, q="évaluation", many_matches=True)
    assert "risks_risk_search" in str(walked.query) and [r.title for r in walked] == ["Évaluation manquante"]
    assert "risks_risk_search" not in str(register.apply_filters(ordered, q="drift", many_matches=True).query)



def test_the_register_counts_a_search_the_cheaper_way_and_shows_the_same_total(client, owner, south_owner,
                                                                               make_risk, org):
    """A search's total is read from the text index alone for a reader who sees every risk with no other filter, and
    by walking the reader's own risks when the matches outnumber them: the same total as counting the matches among
    the reader's risks, and the same rows."""
    import re

    from django.test.utils import CaptureQueriesContext

    from aims.core.testing import person_with_role

    for number in range(3):
        make_risk(title=f"Drift north {number}", owner=owner)
    make_risk(title="Unrelated", owner=owner)
    for number in range(5):
        make_risk(actor=south_owner, owner=south_owner, unit=org["south"], title=f"Drift south {number}")
    manager = person_with_role("aims_manager")

    def page(user, url):
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url).content.decode()
        total = int(re.search(r'data-total="(\d+)"', html).group(1))
        return total, _rows(html), [q["sql"] for q in queries.captured_queries]

    index_count = "SELECT count(*) FROM risks_risk_search"
    total, rows, sql = page(manager, "/risks/?q=drift")
    assert total == len(rows) == 8
    assert any(index_count in query for query in sql) == (connection.vendor == "sqlite")
    assert not any(query.startswith('SELECT COUNT(*) AS "__count" FROM "risks_risk"') for query in sql
                   ) == (connection.vendor == "sqlite")
    # Another filter, or a word too short for the index: the matches are counted among the rows, as before.
    for url, expected in (("/risks/?q=drift&category=security", 8), ("/risks/?q=drift+no", 3)):
        total, rows, sql = page(manager, url)
        assert total == len(rows) == expected, url
        assert any(query.startswith('SELECT COUNT(*) AS "__count" FROM "risks_risk"') for query in sql), url
    # The owner sees 4 risks, fewer than the 8 matches: their risks are walked, each matched as it comes.
    total, rows, sql = page(owner, "/risks/?q=drift")
    assert total == len(rows) == 3
    counts = [query for query in sql if query.startswith('SELECT COUNT(*) AS "__count" FROM "risks_risk"')]
    if connection.vendor == "sqlite":
        assert any(MATCHED_ROW_BY_ROW in query and "risks_risk_search" not in query for query in counts), counts
    assert page(owner, "/risks/?q=north")[:2] == (3, rows)  # fewer matches than risks seen: counted as before

def _rows(html: str) -> list[str]:
    import re

    return re.findall(r'<tr data-risk="(\d+)"', html)


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return " | ".join(str(row[-1]) for row in cursor.fetchall())


def test_the_index_follows_creation_edits_and_deletion(risks, owner):
    drift = risks[0]
    services.update_risk(actor=owner, risk=drift, changes={"title": "Concept shift on scoring", "event": "Scores move"})
    assert found("drift") == []
    assert found("concept shift") == [drift.pk]
    assert found("scoring") == [drift.pk]
    Risk.objects.filter(pk=risks[1].pk).update(consequence="Nothing private")  # a bulk write, no service
    assert found("quoted") == [] and found("private") == [risks[1].pk]
    Risk.objects.filter(pk=risks[3].pk).delete()
    assert found("biased answers") == found_by_the_plain_search("biased answers") == []


def test_a_sqlite_without_the_trigram_tokenizer_is_refused_with_a_clear_message(monkeypatch):
    from types import SimpleNamespace

    from django.core.exceptions import ImproperlyConfigured

    from aims.core import text_search

    executed = []
    editor = SimpleNamespace(connection=SimpleNamespace(vendor="sqlite"), execute=executed.append)
    monkeypatch.setattr(text_search.sqlite3, "sqlite_version_info", (3, 31, 1))
    with pytest.raises(ImproperlyConfigured, match="SQLite 3.34 or later"):
        text_search.install(editor, "risks_risk", register.SEARCH_FIELDS)
    assert executed == []
