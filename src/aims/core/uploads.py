"""Request size limits enforced before the body is read.

Django limits the non-file part of a request (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams uploaded files to disk whatever
their size, so an oversized upload was read in full before a form refused it. Here a request announcing more than
MAX_UPLOAD_BYTES (plus room for the form's other fields) is answered 413 at once, unread; and a body that does not
announce its length (chunked) is counted as it streams in and stopped at the limit.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpResponse
from django.utils.translation import gettext as _


def upload_limit(path: str = "") -> int:
    """The largest file accepted at `path`: MAX_UPLOAD_BYTES, unless a module declares a larger limit for its own
    pages (settings.UPLOAD_LIMITS: path prefix -> name of the setting holding the limit; the evidence library
    takes files up to AIMS_EVIDENCE_MAX_BYTES and checks them again itself)."""
    for prefix, setting in getattr(settings, "UPLOAD_LIMITS", {}).items():
        if path.startswith(prefix):
            return int(getattr(settings, setting))
    return settings.MAX_UPLOAD_BYTES


def body_limit(path: str = "") -> int:
    """The largest request accepted: one file of the path's upload limit and the form fields around it."""
    return upload_limit(path) + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class RequestSizeMiddleware:
    """413 for a request whose Content-Length exceeds the limit, before anything reads its body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > body_limit(request.path):
            megabytes = upload_limit(request.path) // (1024 * 1024)
            response = HttpResponse(_("The request is too large: files up to %(mb)d MB are accepted.")
                                    % {"mb": megabytes}, status=413, content_type="text/plain; charset=utf-8")
            response["Connection"] = "close"  # the unread body is not worth receiving
            return response
        return self.get_response(request)


class LimitedUploadHandler(FileUploadHandler):
    """First of the upload handlers: counts the bytes of the files as they stream in and stops at the limit (a
    chunked body announces no length for the middleware to check)."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = getattr(self, "received", 0)

    def receive_data_chunk(self, raw_data, start):
        self.received = getattr(self, "received", 0) + len(raw_data)
        limit = upload_limit(getattr(self.request, "path", ""))
        if self.received > limit:
            raise RequestDataTooBig(f"uploaded files larger than {limit} bytes")
        return raw_data

    def file_complete(self, file_size):
        return None
