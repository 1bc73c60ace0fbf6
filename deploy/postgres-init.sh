#!/bin/sh
# PostgreSQL's first start (docker-entrypoint-initdb.d): the runtime role AIMS processes use. It owns nothing; after
# every `aims migrate` (run as the owner, aims_owner) AIMS grants it what it needs, and only INSERT and SELECT on the
# ledger (README: Database roles).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_password="$(cat /run/secrets/db_app_password)" <<'SQL'
CREATE ROLE aims_app LOGIN PASSWORD :'app_password';
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
