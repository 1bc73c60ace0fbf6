"""Log records carry the request id, so the reference an error page shows finds its traceback in the log."""

import logging

from . import context


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = context.request_id() or "-"
        return True
