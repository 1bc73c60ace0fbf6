"""In-app notifications, e-mail after commit, "my tasks", translated texts and the periodic-task registry."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy

from aims.core import context, ledger, periodic
from aims.core.models import ApiToken, LedgerEvent, Notification, Task
from aims.core.notifications import close_tasks, notify, open_task
from aims.core.testing import UserFactory

pytestmark = pytest.mark.django_db

# A "translation" that shows which language was active when the text was rendered.
active_language = lazy(lambda: f"rendered in {translation.get_language()}", str)


@pytest.fixture
def person():
    return UserFactory(email="ada@example.com", language="en")


@pytest.fixture
def french_person():
    return UserFactory(email="marie@example.com", language="fr")


def test_notification_is_visible_at_once_but_mailed_only_after_commit(person, mailoutbox,
                                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        note = notify(recipient=person, title="Review due", body="Please review.", url="/risks/1/")
        assert Notification.objects.filter(recipient=person, title="Review due").exists()
        assert mailoutbox == []
    assert len(callbacks) == 1
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["ada@example.com"]
    assert mail.subject == "[AIMS] Review due"
    assert "Please review." in mail.body and mail.body.rstrip().endswith("/risks/1/")
    assert note.read_at is None


def test_rolled_back_transaction_sends_nothing(person, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                notify(recipient=person, title="Never sent")
                raise RuntimeError("the change failed")
    assert mailoutbox == []
    assert not Notification.objects.filter(title="Never sent").exists()


@pytest.mark.parametrize("case", ["email=False", "inactive", "no address"])
def test_no_mail_when_not_wanted_or_not_possible(person, mailoutbox, django_capture_on_commit_callbacks, case):
    if case == "inactive":
        person.is_active = False
    if case == "no address":
        person.email = ""
    person.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=person, title="Quiet", email=case != "email=False")
    assert mailoutbox == []
    assert Notification.objects.filter(recipient=person, title="Quiet").count() == 1


def test_texts_are_rendered_in_the_recipients_language(person, french_person):
    with translation.override("en"):
        for_marie = notify(recipient=french_person, title=active_language(), body=active_language(), email=False)
        for_ada = notify(recipient=person, title=active_language(), email=False)
        assert translation.get_language() == "en"  # the caller's language is left alone
    assert for_marie.title == "rendered in fr" and for_marie.body == "rendered in fr"
    assert for_ada.title == "rendered in en"


def test_params_are_interpolated_after_translation_with_localised_dates(french_person, person):
    when = timezone.datetime(2030, 3, 12).date()
    title = gettext_lazy("Due on %(date)s for %(name)s")
    assert notify(recipient=french_person, title=title, params={"date": when, "name": "X"}, email=False).title == \
        "Due on 12 mars 2030 for X"
    with translation.override("en"):
        english_date = formats.date_format(when, "DATE_FORMAT")
    assert "mars" not in english_date
    assert notify(recipient=person, title=title, params={"date": when, "name": "X"}, email=False).title == \
        f"Due on {english_date} for X"


def test_typed_text_is_shown_as_typed_even_beside_params(person):
    # A comment typed by a person ("up 5% since %(last)s") is not a template: only translatable texts receive params.
    typed = "Accuracy up 5% since %(last)s, see 100%"
    note = notify(recipient=person, title=gettext_lazy("Due on %(date)s for %(name)s"), body=typed,
                  params={"date": "today", "name": "X"}, email=False)
    assert (note.title, note.body) == ("Due on today for X", typed)


def test_open_task_is_idempotent_per_source(person):
    first = open_task(assignee=person, title="Review risk R-1", source="risk:1:review", url="/risks/1/")
    again = open_task(assignee=person, title="A different title", source="risk:1:review")
    other = open_task(assignee=person, title="Review risk R-2", source="risk:2:review")
    assert again.pk == first.pk and again.title == "Review risk R-1"
    assert other.pk != first.pk
    assert Task.objects.filter(assignee=person).count() == 2


def test_same_source_opens_one_task_per_assignee_and_closes_them_all(person, french_person):
    open_task(assignee=person, title="Approve", source="gate:7")
    open_task(assignee=french_person, title="Approve", source="gate:7")
    assert close_tasks(source="gate:7") == 2
    assert not Task.objects.filter(source="gate:7", done_at__isnull=True).exists()
    assert close_tasks(source="gate:7") == 0


def _token(user, name, expires_in, revoked=False):
    now = timezone.now()
    return ApiToken.objects.create(user=user, name=name, prefix=name[:12], key_hash=f"hash-{name}", scopes=["read"],
                                   expires_at=now + expires_in, revoked_at=now if revoked else None)


def test_token_expiry_job_warns_once_in_the_owners_language(french_person, person, mailoutbox):
    soon = _token(french_person, "ci", timedelta(days=3))
    _token(person, "later", timedelta(days=30))
    _token(person, "revoked", timedelta(days=2), revoked=True)
    _token(person, "expired", timedelta(days=-1))

    assert periodic.run_periodic("expire-api-tokens-notice") == 1
    note = Notification.objects.get(kind="token")
    assert note.recipient == french_person
    expiry = timezone.localtime(soon.expires_at).date()
    months = ["jan.", "fév.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
    assert f"{expiry.day} {months[expiry.month - 1]} {expiry.year}" in note.title and "« ci »" in note.title
    # The job runs every day; the owner is warned once per token, not once a day.
    assert periodic.run_periodic("expire-api-tokens-notice") == 0
    assert Notification.objects.filter(kind="token").count() == 1


def test_tasks_list_shows_every_registered_job_with_its_schedule():
    out = io.StringIO()
    call_command("tasks", "list", stdout=out)
    line = next(line for line in out.getvalue().splitlines() if line.startswith("expire-api-tokens-notice"))
    assert "0 7 * * *" in line and "expire within 7 days" in line


def test_tasks_run_runs_the_job_now(french_person):
    _token(french_person, "ci", timedelta(days=2))
    out = io.StringIO()
    call_command("tasks", "run", "expire-api-tokens-notice", stdout=out)
    assert "done (1)" in out.getvalue()
    assert Notification.objects.filter(recipient=french_person, kind="token").count() == 1


def test_tasks_run_refuses_an_unknown_name():
    with pytest.raises(CommandError, match="no periodic job named 'nope'.*expire-api-tokens-notice"):
        call_command("tasks", "run", "nope", stdout=io.StringIO())


@pytest.fixture
def probe_job(monkeypatch):
    """A job registered like any module's, without adding it to Huey's real schedule."""
    monkeypatch.setattr(periodic, "db_periodic_task", lambda schedule, name: (lambda fn: fn))
    seen = {}

    def probe():
        seen["actor"] = context.system_actor()
        seen["request_id"] = context.request_id()
        with transaction.atomic():
            ledger.record(actor=None, action="test.probe", object_type="test.probe", object_id="1")
        return "probed"

    periodic.periodic("test-probe", periodic.crontab(minute="*/5"), "Probe")(probe)
    yield seen
    periodic.PERIODIC_TASKS.pop("test-probe", None)


def test_a_job_run_by_hand_acts_as_its_system_actor(probe_job):
    out = io.StringIO()
    call_command("tasks", "run", "test-probe", stdout=out)
    assert "done ('probed')" in out.getvalue()
    assert probe_job["actor"] == "job:test-probe" and probe_job["request_id"].startswith("job-test-probe-")
    event = LedgerEvent.objects.get(action="test.probe")
    assert event.actor_id is None and event.actor_label == "job:test-probe"
    assert context.system_actor() == "system"  # the binding ends with the job
    listing = io.StringIO()
    call_command("tasks", "list", stdout=listing)
    assert any(line.startswith("test-probe") and "*/5 * * * *" in line for line in listing.getvalue().splitlines())


def test_notify_many_inserts_at_once_and_mails_everyone_in_one_job_in_their_language(
        person, french_person, mailoutbox, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    from aims.core.notifications import notify_many

    title = gettext_lazy("Due on %(date)s for %(name)s")
    items = [dict(recipient=who, title=title, params={"date": timezone.datetime(2030, 3, 12).date(), "name": n},
                  url=f"/risks/{n}/") for n in range(3) for who in (person, french_person)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with django_assert_max_num_queries(2):  # the insert (and its savepoint-free RETURNING), nothing per row
            ids = notify_many(items)
    assert len(callbacks) == 1  # one job for six e-mails
    assert ids == sorted(ids) and len(set(ids)) == 6  # the keys, in the items' order
    stored = Notification.objects.in_bulk(ids)
    assert [(stored[pk].recipient, stored[pk].url) for pk in ids] == [(item["recipient"], item["url"]) for item in items]
    assert sorted(m.to[0] for m in mailoutbox) == ["ada@example.com"] * 3 + ["marie@example.com"] * 3
    assert {m.subject for m in mailoutbox if m.to == ["marie@example.com"]} == {
        f"[AIMS] Due on 12 mars 2030 for {n}" for n in range(3)}
    assert notify_many([]) == []


def test_notify_many_renders_each_item_as_notify_would_though_it_renders_shared_texts_once(person, french_person):
    # notify_many renders each distinct template and value once per language: interleaved languages, equal values
    # of different types (1 and True) and a typed body must still come out as one notify each would have made.
    from aims.core.notifications import notify_many

    title = gettext_lazy("Due on %(date)s for %(name)s")
    when = timezone.datetime(2030, 3, 12).date()
    items = [dict(recipient=who, title=title, body=body, params={"date": when, "name": name}, email=False)
             for who, name, body in ((french_person, 1, "typed 5%"), (person, True, ""), (french_person, "1", ""),
                                     (person, 1, active_language()), (french_person, True, active_language()))]
    stored = Notification.objects.in_bulk(ids := notify_many(items))
    many = [(stored[pk].recipient_id, stored[pk].title, stored[pk].body) for pk in ids]
    one_by_one = [(n.recipient_id, n.title, n.body) for n in (notify(**item) for item in items)]
    assert many == one_by_one
    assert [title for _, title, _ in many] == [
        "Due on 12 mars 2030 for 1", f"Due on {formats.date_format(when, 'DATE_FORMAT')} for True",
        "Due on 12 mars 2030 for 1", f"Due on {formats.date_format(when, 'DATE_FORMAT')} for 1",
        "Due on 12 mars 2030 for True"]
    assert [body for _, _, body in many] == ["typed 5%", "", "", "rendered in en", "rendered in fr"]


def test_notify_many_keeps_the_items_order_across_its_multi_row_inserts(person):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from aims.core.notifications import ROWS_PER_INSERT, notify_many

    items = [dict(recipient=person, title=f"Reminder {n}", email=False) for n in range(700)]
    with CaptureQueriesContext(connection) as captured:
        ids = notify_many(items)
    inserts = [q for q in captured.captured_queries if q["sql"].startswith("INSERT")]
    assert len(ids) == 700 > ROWS_PER_INSERT and len(inserts) >= 2  # several statements, each within the limits
    stored = Notification.objects.in_bulk(ids)
    assert [stored[pk].title for pk in ids] == [f"Reminder {n}" for n in range(700)]
