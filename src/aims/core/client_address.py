"""The address of the client behind a request, as the ledger and the sign-in history record it.

X-Forwarded-For is written by whoever sends the request: only the entries appended by proxies AIMS trusts say where a
request came from. With AIMS_TRUSTED_PROXY_COUNT = n (0 by default), the client is the n-th address from the right
of X-Forwarded-For (each trusted proxy appends the address it received the request from); with 0, the header is
ignored and the client is the peer of the connection (REMOTE_ADDR). A request that did not pass through all n
proxies (fewer entries), or whose entry is not an address, is recorded with its peer address rather than refused.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def trusted_proxy_count() -> int:
    return max(0, int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0))


def client_address(request) -> str:
    if request is None:
        return ""
    peer = request.META.get("REMOTE_ADDR", "") or ""
    proxies = trusted_proxy_count()
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        entries = [entry.strip() for entry in forwarded.split(",")]
        if len(entries) >= proxies:
            candidate = entries[-proxies]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return peer
