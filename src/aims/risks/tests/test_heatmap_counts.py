"""Heatmap counts per (likelihood, impact) cell, inherent and residual, restricted by user, in one query."""

import pytest
from django.core.management.color import no_style
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aims.core.permissions import user_scopes
from aims.risks import services
from aims.risks.heatmap import counted, heatmap, kept_counts, kept_total
from aims.risks.models import Risk, RiskMethod

pytestmark = pytest.mark.django_db


def test_counts_per_cell_follow_rescoring_and_scope(make_system, make_risk, owner, south_owner, risk_manager,
                                                    django_assert_num_queries, org):
    chatbot, scoring = make_system(name="Chatbot"), make_system(name="Scoring")
    first = make_risk(systems=[chatbot], inherent_likelihood=3, inherent_impact=4)
    make_risk(systems=[chatbot], inherent_likelihood=3, inherent_impact=4)
    make_risk(systems=[scoring], inherent_likelihood=1, inherent_impact=2)
    make_risk(systems=[scoring], title="Unscored")
    south_system = make_system(name="South", unit=org["south"], owner=south_owner)
    services.create_risk(actor=south_owner, title="South risk", category="operations", owner=south_owner,
                         systems=[south_system], inherent_likelihood=4, inherent_impact=4)
    services.assess_risk(actor=owner, risk=first, inherent_likelihood=3, inherent_impact=4,
                         residual_likelihood=1, residual_impact=4)
    user_scopes(risk_manager)  # role scopes are read once per request, before any page query
    with django_assert_num_queries(1):
        whole = heatmap(risk_manager, method=first.method)
    assert whole.inherent == {(3, 4): 2, (1, 2): 1, (4, 4): 1}
    assert whole.residual == {(1, 4): 1, (3, 4): 1, (1, 2): 1, (4, 4): 1}
    assert (whole.unscored, whole.total) == (1, 5)
    north = heatmap(owner)
    assert north.inherent == {(3, 4): 2, (1, 2): 1} and north.total == 4
    per_system = heatmap(owner, system=chatbot)
    assert per_system.inherent == {(3, 4): 2} and per_system.residual == {(1, 4): 1, (3, 4): 1}
    grid = per_system.grid("inherent")
    assert len(grid) == 4 and grid[0][0]["likelihood"] == 4
    cell = grid[4 - 3][4 - 1]
    assert (cell["count"], cell["level"].key, cell["level"].colour) == (2, "critical", "#C62828")


def _kept_and_counted_agree(manager, method) -> None:
    counted_now = {row[:4]: row[4] for row in counted(manager, method)}
    assert {row[:4]: row[4] for row in kept_counts(method)} == counted_now
    assert kept_total() == Risk.objects.count()


def test_the_organisation_wide_counts_are_kept_right_by_every_kind_of_write(make_risk, owner, risk_manager, method):
    """The counts the triggers keep are the counts of the risks (the open ones per cell, and the total), after services,
    bulk writes, QuerySet.update, deletions, a change of method version and a flush (TRUNCATE on PostgreSQL); and the
    organisation-wide map reads them, while a scoped reader's map still counts its own risks."""
    first = make_risk(inherent_likelihood=3, inherent_impact=4)
    second = make_risk(inherent_likelihood=3, inherent_impact=4)
    unscored = make_risk(title="Not scored yet")
    _kept_and_counted_agree(risk_manager, method)
    services.assess_risk(actor=owner, risk=first, inherent_likelihood=3, inherent_impact=4, residual_likelihood=1,
                         residual_impact=2)
    services.update_risk(actor=owner, risk=Risk.objects.get(pk=second.pk), changes={"title": "Renamed"})
    services.close_risk(actor=owner, risk=Risk.objects.get(pk=unscored.pk), reason="Duplicate")
    _kept_and_counted_agree(risk_manager, method)
    Risk.objects.bulk_create([Risk(title=f"Bulk {i}", category="security", owner=owner, method=method,
                                   inherent_likelihood=1 + i % 4, inherent_impact=2, status="identified")
                              for i in range(12)])
    Risk.objects.filter(title__startswith="Bulk", inherent_likelihood=1).update(status=Risk.Status.CLOSED)
    Risk.objects.filter(title__startswith="Bulk", inherent_likelihood=2).update(inherent_impact=4)
    Risk.objects.filter(pk=unscored.pk).update(status=Risk.Status.IDENTIFIED)
    Risk.objects.filter(title__startswith="Bulk", inherent_likelihood=3).delete()
    _kept_and_counted_agree(risk_manager, method)
    whole = heatmap(risk_manager, method=method)
    assert whole.inherent[(2, 4)] == 3 and whole.inherent[(3, 4)] == 2 and whole.unscored == 1
    assert whole.total == Risk.objects.exclude(status=Risk.Status.CLOSED).count() == 9

    newer = RiskMethod.objects.get(pk=method.pk)
    newer.pk, newer.number, newer.status = None, method.number + 1, RiskMethod.Status.DRAFT
    newer.save()
    Risk.objects.filter(pk=first.pk).update(method=newer)
    _kept_and_counted_agree(risk_manager, method)
    _kept_and_counted_agree(risk_manager, newer)
    assert heatmap(risk_manager, method=newer).residual == {(1, 2): 1}

    user_scopes(risk_manager)
    user_scopes(owner)
    with CaptureQueriesContext(connection) as organisation_wide:
        heatmap(risk_manager, method=method)
    with CaptureQueriesContext(connection) as scoped:
        heatmap(owner, method=method)
    assert "risks_risk_count" in organisation_wide[-1]["sql"]
    # the owner sees North's risks only (the bulk ones have no unit): the renamed one and the reopened one
    assert "risks_risk_count" not in scoped[-1]["sql"] and heatmap(owner, method=method).total == 2

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # TRUNCATE refuses a table with foreign-key checks still pending
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for statement in connection.ops.sql_flush(no_style(), [Risk._meta.db_table], allow_cascade=True):
            cursor.execute(statement)
    assert kept_counts(method) == [] and kept_counts(newer) == [] and kept_total() == 0


def test_the_whole_registers_total_is_the_kept_one_for_a_reader_who_sees_every_risk(client, make_risk, owner,
                                                                                   risk_manager, org):
    import re

    from aims.core.tests.api_helpers import call

    for number in range(3):
        make_risk(title=f"North {number}", inherent_likelihood=1 + number, inherent_impact=4)
    make_risk(title="South", unit=org["south"], actor=risk_manager, owner=risk_manager)
    services.close_risk(actor=owner, risk=Risk.objects.get(title="North 0"), reason="Done")
    counting = 'SELECT COUNT(*) AS "__count" FROM "risks_risk"'

    def register(user, url):
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url).content.decode()
        return int(re.search(r'data-total="(\d+)"', html).group(1)), [q["sql"] for q in queries.captured_queries]

    def api(user, params):
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            count = call(client, "GET", "/risks", params).json()["count"]
        return count, [q["sql"] for q in queries.captured_queries]

    for total, sql in (register(risk_manager, "/risks/"), api(risk_manager, {})):
        assert total == 4 and not any(query.startswith(counting) for query in sql)
    # A filter (even "not above appetite", a false value), or a reader who sees part of the register: counted.
    for total, sql in (register(risk_manager, "/risks/?status=closed"), api(risk_manager, {"above_appetite": False}),
                       register(risk_manager, "/risks/?above_appetite=no"), register(owner, "/risks/"), api(owner, {})):
        assert any(query.startswith(counting) for query in sql)
    assert register(risk_manager, "/risks/?above_appetite=no")[0] == Risk.objects.filter(above_appetite=False).count()
    assert register(owner, "/risks/")[0] == api(owner, {})[0] == 3
    assert api(risk_manager, {"above_appetite": False})[0] == Risk.objects.filter(above_appetite=False).count()
