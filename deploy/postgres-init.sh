#!/bin/sh
# Runs once, when the PostgreSQL volume is first created (docker-entrypoint-initdb.d).
# The app connects as an ordinary role that owns its database: superusers bypass row-level
# security, so the app must not be one.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE meridian LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '${MERIDIAN_DB_PASSWORD}';
CREATE DATABASE meridian OWNER meridian;
SQL
