"""`aims check --deploy` names each configuration mistake that breaks a deployment, in plain words, and exits 1."""

import os
import subprocess
import sys
import warnings

import pytest
from django.test import override_settings

from aims.core.checks import check_deployment

GOOD = {
    "DEBUG": False,
    "ALLOWED_HOSTS": ["aims.example.org"],
    "SITE_URL": "https://aims.example.org",
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "TRUSTED_PROXY_COUNT": 1,
    "CSRF_TRUSTED_ORIGINS": [],
    "SECRET_KEY_GENERATED": False,
    "AIMS_NODES": 1,
    "REDIS_URL": None,
    "LEDGER_SIGNING_KEY": None,
    "CACHES": {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "aims_cache"}},
}
SCALED_OUT = {
    "AIMS_NODES": 3,
    "DATABASES": {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "aims"}},
    "REDIS_URL": "redis://cache:6379/0",
    "CACHES": {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x"}},
    "LEDGER_SIGNING_KEY": "-----BEGIN PRIVATE KEY-----...",
    "STORAGES": {"default": {"BACKEND": "storages.backends.s3.S3Storage"},
                 "staticfiles": {"BACKEND": "aims.core.staticfiles.StaticFilesStorage"}},
}


def findings(**overrides):
    """The deployment checks' findings under these settings, restored at once (the suite's own cache and database
    must be back before its fixtures tear down)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Overriding setting DATABASES": only read here, never connected to
        with override_settings(**{**GOOD, **overrides}):
            return {message.id: message.msg for message in check_deployment()}


def test_a_good_single_node_and_a_good_scaled_out_configuration_pass():
    assert findings() == {}
    assert findings(**SCALED_OUT) == {}


@pytest.mark.parametrize(("overrides", "problem", "words"), [
    ({"DEBUG": True}, "aims.E001", "Debug mode is on"),
    ({"ALLOWED_HOSTS": ["*"]}, "aims.E002", "accepts any host name"),
    ({**SCALED_OUT, "SECRET_KEY_GENERATED": True}, "aims.E003", "no shared secret key"),
    ({"CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}}, "aims.E004",
     "each counts failed logins on its own"),
    ({**SCALED_OUT, "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "x"}}}, "aims.E005",
     "the database is SQLite"),
    ({**SCALED_OUT, "REDIS_URL": None}, "aims.E006", "task queue is a SQLite file on each machine"),
    ({**SCALED_OUT, "LEDGER_SIGNING_KEY": None}, "aims.E007", "no ledger signing key"),
    ({**SCALED_OUT, "STORAGES": {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}},
     "aims.W008", "uploaded files are kept in"),
    ({"SESSION_COOKIE_SECURE": False}, "aims.E009", "cookies are not marked secure"),
    ({"SECURE_PROXY_SSL_HEADER": None}, "aims.E010", "does not trust the reverse proxy"),
    ({"SITE_URL": "http://127.0.0.1:8000", "SECURE_PROXY_SSL_HEADER": None}, "aims.E011", "own machine"),
    ({"SITE_URL": "http://aims.example.org"}, "aims.E013", "AIMS_BEHIND_PROXY is on"),
    ({"TRUSTED_PROXY_COUNT": 0}, "aims.W014", "record the proxy's address for every person"),
])
def test_each_misconfiguration_is_named(overrides, problem, words):
    found = findings(**overrides)
    assert list(found) == [problem]
    assert words in found[problem]


def test_a_memory_cache_is_wrong_even_on_one_node_with_several_web_workers(monkeypatch):
    monkeypatch.setenv("AIMS_WEB_WORKERS", "1")
    memory = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert findings(CACHES=memory) == {}
    monkeypatch.setenv("AIMS_WEB_WORKERS", "4")
    assert "aims.E004" in findings(CACHES=memory)


def run_check(tmp_path, **environment):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AIMS_", "DATABASE_URL", "REDIS"))}
    env.update({"AIMS_DATA_DIR": str(tmp_path), **environment})
    return subprocess.run([sys.executable, "-m", "aims.cli", "check", "--deploy"], env=env, capture_output=True,
                          text=True, timeout=120)


def test_the_command_exits_1_naming_the_problems_and_0_when_the_configuration_is_sound(tmp_path):
    wrong = run_check(tmp_path, AIMS_NODES="2", AIMS_DEBUG="on", AIMS_SITE_URL="https://aims.example.org")
    assert wrong.returncode == 1
    for problem in ("aims.E001", "aims.E003", "aims.E005", "aims.E006", "aims.E007", "aims.E010"):
        assert problem in wrong.stderr
    sound = run_check(tmp_path, AIMS_SITE_URL="https://aims.example.org", AIMS_BEHIND_PROXY="on",
                      AIMS_TRUSTED_PROXY_COUNT="1", AIMS_SECRET_KEY="x" * 64 + "-a-long-random-looking-key-for-tests-0123456789",
                      AIMS_ALLOWED_HOSTS="aims.example.org")
    assert sound.returncode == 0, sound.stderr
