"""Notifications: in-app messages and e-mail, and the tasks in each person's "my tasks".

Everything leaves the transaction through `on_commit`, so nothing is sent for a change that rolled back.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import translation
from django.utils.functional import Promise
from huey.contrib.djhuey import db_task

from . import context
from .models import Notification, Task
from .stored_text import localised, message_of, stored_params


def render_for(recipient, text, params: dict | None = None) -> str:
    """`text` in the recipient's language. A lazy gettext string is a template that receives `params`; plain text
    (what a person typed: a comment, a reason) is shown as it is, so a "%" in it can never break the rendering."""
    with translation.override(_language_of(recipient)):
        return _render(text, params, {})


def _language_of(recipient) -> str:
    return getattr(recipient, "language", None) or settings.LANGUAGE_CODE


def _render(text, params: dict | None, memo: dict) -> str:
    """`text` with `params` in the active language. `memo` holds what was already rendered in that language (the
    template of a lazy text by identity, each date or value by itself) for callers rendering many items at once."""
    if not isinstance(text, Promise):
        return str(text or "")
    template = memo.get(id(text))
    if template is None:
        template = memo[id(text)] = str(text)
    if not params:
        return template
    values = {}
    for key, value in params.items():
        try:
            shown = memo.get(cache_key := (type(value), value))  # by type too: 1 and True are equal keys
        except TypeError:  # unhashable: rendered each time
            values[key] = localised(value)
            continue
        if shown is None:
            shown = memo[cache_key] = localised(value)
        values[key] = shown
    return template % values


def _render_all(items: list[dict]) -> list[tuple[str, str]]:
    """Each item's (title, body) in its recipient's language: one language switch per language and each distinct
    template and date rendered once per language, so a sweep of thousands of reminders renders a handful of texts.
    The items (which hold the texts) outlive the memo, so identities in it stay unique."""
    by_language: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        by_language.setdefault(_language_of(item["recipient"]), []).append(index)
    rendered: list = [None] * len(items)
    for language, indexes in by_language.items():
        memo: dict = {}
        with translation.override(language):
            for index in indexes:
                item = items[index]
                rendered[index] = (_render(item["title"], item.get("params"), memo),
                                   _render(item.get("body", ""), item.get("params"), memo))
    return rendered


def notify(*, recipient, title, body="", url: str = "", kind: str = "info", email: bool = True,
           params: dict | None = None) -> Notification:
    """Create an in-app notification now and e-mail it once the surrounding transaction commits.

    Pass `title`/`body` as gettext_lazy strings with %(name)s placeholders and the values in `params`: they are
    rendered in the recipient's language (not the language of whoever or whatever triggered the notification).
    """
    item = dict(recipient=recipient, title=title, body=body, url=url, kind=kind, email=email, params=params)
    now, rendered = context.now(), _render_all([item])
    (pk,) = _insert([item], rendered, now)
    (shown_title, shown_body), = rendered
    return Notification(pk=pk, recipient=recipient, title=shown_title[:300], body=shown_body,
                        title_message=message_of(title), body_message=message_of(body), params=stored_params(params),
                        url=url, kind=kind, created_at=now)


_COLUMNS = ("recipient", "title", "body", "title_message", "body_message", "params", "url", "kind", "created_at")
# Rows per INSERT: SQLite's own limit on parameters is lower (Django's bulk_batch_size), PostgreSQL has none below
# 65,535 parameters, which a sweep's thousands of reminders would pass.
ROWS_PER_INSERT = 500


def notify_many(items: list[dict]) -> list[int]:
    """`notify` for many at once (each item holds notify's arguments): multi-row inserts, and their e-mails handed to
    the worker as one job once the transaction commits. Returns the new notifications' keys, in the items' order."""
    return _insert(items, _render_all(items), context.now()) if items else []


def _insert(items: list[dict], rendered: list[tuple[str, str]], now) -> list[int]:
    """The notifications' rows written as plain values (a sweep over thousands of deadlines spent more time having
    Django build and compile its models' insert than on everything else it does), and their e-mails queued."""
    messages: dict[int, str] = {}  # the English message behind each distinct lazy text, by identity

    def message(text):
        if id(text) not in messages:
            messages[id(text)] = message_of(text)
        return messages[id(text)]

    fields = [Notification._meta.get_field(name) for name in _COLUMNS]
    params_field, created_at = fields[5], fields[8].get_db_prep_save(now, connection)
    rows = [(item["recipient"].pk, title[:300], body, message(item["title"]), message(item.get("body", "")),
             params_field.get_db_prep_save(stored_params(item.get("params")), connection), item.get("url", ""),
             item.get("kind", "info"), created_at) for item, (title, body) in zip(items, rendered)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    marks = f"({', '.join(['%s'] * len(fields))})"
    size = max(1, min(ROWS_PER_INSERT, connection.ops.bulk_batch_size(fields, rows)))
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start:start + size]
            cursor.execute(f"INSERT INTO {quote(Notification._meta.db_table)} ({columns}) VALUES "
                           f"{', '.join([marks] * len(chunk))} RETURNING {quote('id')}",
                           [value for row in chunk for value in row])
            ids += [row[0] for row in cursor.fetchall()]  # in the VALUES' order, as Django's bulk_create relies on
    # A change replayed in the past (the demo's history) is not news: it is in the inbox, not e-mailed today.
    if not context.clock_bound():
        to_email = [pk for pk, item in zip(ids, items) if item.get("email", True)
                    and item["recipient"].email and item["recipient"].is_active]
        if len(to_email) == 1:
            transaction.on_commit(lambda: send_notification_email(to_email[0]))
        elif to_email:
            transaction.on_commit(lambda: send_notification_emails(to_email))
    return ids


def open_task(*, assignee, title, source: str, url: str = "", due_date=None, params: dict | None = None,
              reopen: bool = False) -> Task:
    """Put an item in someone's "my tasks" once per source key (re-opening an open task changes nothing).

    A task of that source already done stays done, unless `reopen`: the same work is asked again (an assessment
    returned and submitted anew waits for its approvers again).
    """
    task, created = Task.objects.get_or_create(
        assignee=assignee, source=source,
        defaults={"title": render_for(assignee, title, params)[:300], "title_message": message_of(title),
                  "params": stored_params(params), "url": url, "due_date": due_date,
                  "created_at": context.now()},
    )
    if reopen and not created and task.done_at is not None:
        task.title, task.url, task.due_date = render_for(assignee, title, params)[:300], url, due_date
        task.done_at, task.created_at = None, context.now()
        task.save(update_fields=["title", "url", "due_date", "done_at", "created_at"])
    return task


def close_tasks(*, source: str) -> int:
    return Task.objects.filter(source=source, done_at__isnull=True).update(done_at=context.now())


@db_task()
def send_notification_email(notification_id: int) -> bool:
    return _send_email(Notification.objects.select_related("recipient").filter(pk=notification_id).first())


@db_task()
def send_notification_emails(notification_ids: list[int]) -> int:
    """The e-mails of many notifications, in one job (one read); returns how many were sent."""
    found = Notification.objects.select_related("recipient").filter(pk__in=notification_ids).order_by("pk")
    return sum(_send_email(notification) for notification in found)


def _send_email(notification) -> bool:
    if notification is None or not notification.recipient.is_active or not notification.recipient.email:
        return False
    body = notification.body
    if notification.url:
        body = f"{body}\n\n{settings.SITE_URL}{notification.url}".lstrip()
    send_mail(f"[AIMS] {notification.title}", body, settings.DEFAULT_FROM_EMAIL, [notification.recipient.email])
    return True
