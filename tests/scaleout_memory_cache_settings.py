"""The product's settings with a per-process memory cache: the deliberately wrong deployment that
tests/test_scale_out.py starts beside the real one, to show that its lockout check fails when nodes do not share the
cache (`aims check --deploy` names this mistake: aims.E004)."""

from aims.settings import *  # noqa: F403 (the product's settings, all of them)

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "aims-per-process"}}
