"""Notifications: in-app messages and e-mail, and the tasks in each person's "my tasks".

Everything leaves the transaction through `on_commit`, so nothing is sent for a change that rolled back.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from huey.contrib.djhuey import db_task

from . import context
from .models import Notification, Task
from .stored_text import localised, message_of, stored_params


def render_for(recipient, text, params: dict | None = None) -> str:
    """`text` in the recipient's language. A lazy gettext string is a template that receives `params`; plain text
    (what a person typed: a comment, a reason) is shown as it is, so a "%" in it can never break the rendering."""
    with translation.override(getattr(recipient, "language", None) or settings.LANGUAGE_CODE):
        rendered = str(text or "")
        if params and isinstance(text, Promise):
            rendered = rendered % {key: localised(value) for key, value in params.items()}
    return rendered


def notify(*, recipient, title, body="", url: str = "", kind: str = "info", email: bool = True,
           params: dict | None = None) -> Notification:
    """Create an in-app notification now and e-mail it once the surrounding transaction commits.

    Pass `title`/`body` as gettext_lazy strings with %(name)s placeholders and the values in `params`: they are
    rendered in the recipient's language (not the language of whoever or whatever triggered the notification).
    """
    return notify_many([dict(recipient=recipient, title=title, body=body, url=url, kind=kind, email=email,
                             params=params)])[0]


def notify_many(items: list[dict]) -> list[Notification]:
    """`notify` for many at once (each item holds notify's arguments): one insert, and their e-mails handed to the
    worker as one job once the transaction commits. What a sweep over thousands of deadlines uses."""
    now = context.now()
    notifications = Notification.objects.bulk_create([Notification(
        recipient=item["recipient"], title=render_for(item["recipient"], item["title"], item.get("params"))[:300],
        body=render_for(item["recipient"], item.get("body", ""), item.get("params")),
        title_message=message_of(item["title"]), body_message=message_of(item.get("body", "")),
        params=stored_params(item.get("params")), url=item.get("url", ""), kind=item.get("kind", "info"),
        created_at=now) for item in items])
    # A change replayed in the past (the demo's history) is not news: it is in the inbox, not e-mailed today.
    if not context.clock_bound():
        to_email = [n.pk for n, item in zip(notifications, items) if item.get("email", True)
                    and n.recipient.email and n.recipient.is_active]
        if len(to_email) == 1:
            transaction.on_commit(lambda: send_notification_email(to_email[0]))
        elif to_email:
            transaction.on_commit(lambda: send_notification_emails(to_email))
    return notifications


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
