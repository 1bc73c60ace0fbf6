"""What a web server's process does once, before its first request: load what any request may need, then take
every object start-up made out of the garbage collector's sight.

Python's cyclic garbage collector now and then walks every object the process holds. With the product loaded (its
views, the REST API and its schemas: 285,000-335,000 objects) one such walk took 220 ms, and the collector starts one
whenever the objects that outlived a request have grown by a quarter since the last: the request that met it waited
that much longer. In benchmarks/inventory.py at 20,000 systems, a sort of the systems API had a p95 of 200 ms among
sorts of 14-28 ms; frozen, every sort's p95 was 14-24 ms.
`gc.freeze()` moves what exists to a generation the collector never walks; those objects stay for the process's
life anyway. benchmarks/_common.as_a_server_process() does the same, so the benchmarks measure the pages as served.
"""

from __future__ import annotations

import gc


def warm_up_and_freeze() -> None:
    """Import the URLconf (every view and the API, otherwise imported by the first request), collect what start-up
    left behind, and freeze the rest."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (the property imports the modules)
    gc.collect()
    gc.freeze()
