#!/usr/bin/env bash
# Install (if needed) and start a local PostgreSQL server for the store's tests, create a
# role and database for them, and print the SQLAlchemy URL to use. Loopback only.
set -euo pipefail
# Everything but the URL goes to stderr: the caller reads stdout as the URL
# (pg_ctlcluster once printed "Removed stale pid file." there and broke CI).
exec 3>&1 1>&2

if ! command -v pg_lsclusters >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq postgresql >/dev/null
fi
read -r version cluster port status _ < <(pg_lsclusters --no-header | head -n 1)
if [ "$status" != "online" ]; then
    # The server must not inherit fd 3: it is the caller's $(...) pipe, and a daemon holding
    # it open makes the caller wait for ever (CI timed out on exactly that).
    pg_ctlcluster "$version" "$cluster" start 3>&- </dev/null
fi
as_postgres() { su postgres -c "$1" >/dev/null; }
as_postgres "psql -p $port -tc \"SELECT 1 FROM pg_roles WHERE rolname = 'cockpit'\" | grep -q 1 \
    || psql -p $port -c \"CREATE ROLE cockpit LOGIN SUPERUSER PASSWORD 'cockpit'\""
as_postgres "psql -p $port -tc \"SELECT 1 FROM pg_database WHERE datname = 'cockpit_test'\" | grep -q 1 \
    || createdb -p $port -O cockpit cockpit_test"
echo "postgresql+psycopg://cockpit:cockpit@127.0.0.1:$port/cockpit_test" >&3
