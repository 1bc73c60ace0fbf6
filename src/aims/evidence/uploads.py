"""Size limit enforced while the upload streams in: the request is cut as soon as it passes the configured limit, so
an oversized file is neither written to disk in full nor held in memory. Views that accept evidence files wrap
themselves with `limited_upload` (which must run before anything reads request.POST, hence its own CSRF check)."""

from __future__ import annotations

from functools import wraps

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from .storage import max_upload_bytes


class SizeLimitHandler(FileUploadHandler):
    def __init__(self, request=None, limit: int | None = None):
        super().__init__(request)
        self.limit = limit if limit is not None else max_upload_bytes()
        self.received = 0
        self.too_large = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # The body also holds the form's other fields, hence a small margin over the file limit itself: a body
        # that big is refused at its first file chunk.
        self.too_large = bool(content_length and content_length > self.limit + 1024 * 1024)
        return None

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.too_large or self.received > self.limit:
            self.request.evidence_upload_too_large = True
            # The rest of the body is read and dropped (not stored), so the browser gets the form back with a
            # message instead of a reset connection.
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


def limited_upload(view):
    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.evidence_upload_too_large = False
        if request.method == "POST":
            request.upload_handlers.insert(0, SizeLimitHandler(request))
        return csrf_protect(view)(request, *args, **kwargs)

    return wrapper


class ApiUploadLimitMiddleware:
    """The same streaming limit for evidence uploads through the API (`POST /api/v1/evidence...`), installed before
    anything parses the body; the endpoint then answers 422 naming the limit."""

    PREFIX = "/api/v1/evidence"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.evidence_upload_too_large = False
        if request.method == "POST" and request.path.startswith(self.PREFIX) and \
                request.content_type == "multipart/form-data":
            request.upload_handlers.insert(0, SizeLimitHandler(request))
        return self.get_response(request)
