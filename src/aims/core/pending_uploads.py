"""Uploaded files waiting between an import's check and its confirmation: the one import pattern's shared part.

The bytes wait in the file storage (not local disk or memory: any web process can finish the import) under a random
token, remembered in the person's session with the file's name and whatever the page needs to finish (a system, a
supplier). Confirming re-reads the held file and the page checks it again from scratch: what was checked before is
never trusted a second time. Each import page keeps its own folder; uploads never confirmed nor cancelled are purged
daily by its periodic job (`purge_stale`).

    PENDING = PendingUploads("risks_import", "imports/risks")
    pending = PENDING.hold(request, data, upload.name)          # after a check found nothing wrong
    held = PENDING.take(request, request.POST.get("token"))     # (pending, data), or None: expired or already done
    PENDING.forget(request)                                     # imported, cancelled or refused
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

MAX_AGE_HOURS = 24


class PendingUploads:
    """One import page's held upload: at most one per session."""

    def __init__(self, session_key: str, directory: str):
        self.session_key, self.directory = session_key, directory

    def _path(self, token: str) -> str:
        return f"{self.directory}/{token}"

    def hold(self, request, data: bytes, filename: str, **extra) -> dict:
        """Keep `data` (replacing any file held before) and return the session's record: token, filename, `extra`."""
        self.forget(request)
        pending = {"token": secrets.token_urlsafe(24), "filename": (filename or "")[-200:], **extra}
        default_storage.save(self._path(pending["token"]), ContentFile(data))
        request.session[self.session_key] = pending
        return pending

    def current(self, request) -> dict | None:
        return request.session.get(self.session_key)

    def take(self, request, token: str | None, **expected) -> tuple[dict, bytes] | None:
        """The held record and bytes if `token` is the one in the session (and the record matches `expected`, e.g.
        the supplier of the page); None when it expired, was imported already, or belongs to another page. A missing
        file also clears the session."""
        pending = self.current(request)
        if not pending or not token or token != pending.get("token") or any(
                pending.get(key) != value for key, value in expected.items()):
            return None
        try:
            with default_storage.open(self._path(pending["token"]), "rb") as handle:
                return pending, handle.read()
        except FileNotFoundError:
            request.session.pop(self.session_key, None)
            return None

    def forget(self, request) -> None:
        """Drop the held file and its session record (after an import, a cancellation or a refused check)."""
        pending = request.session.pop(self.session_key, None)
        if pending:
            default_storage.delete(self._path(pending["token"]))

    def purge_stale(self, max_age_hours: int = MAX_AGE_HOURS) -> int:
        return purge_stale(self.directory, max_age_hours)


def purge_stale(directory: str, max_age_hours: int = MAX_AGE_HOURS) -> int:
    """Delete the uploads in `directory` older than `max_age_hours` (checked, never confirmed nor cancelled); returns
    how many were removed."""
    try:
        _dirs, names = default_storage.listdir(directory)
    except FileNotFoundError:
        return 0
    cutoff = timezone.now() - timedelta(hours=max_age_hours)
    removed = 0
    for name in names:
        path = f"{directory}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                removed += 1
        except (FileNotFoundError, NotImplementedError):
            continue
    return removed
