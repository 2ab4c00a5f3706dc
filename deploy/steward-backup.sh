#!/bin/sh
# steward-backup.sh: one backup of Steward's PostgreSQL database, and the retention.
#
# A `pg_dump -Fc` (custom format: compressed, restored selectively and in parallel by
# pg_restore) into $STEWARD_BACKUP_DIR as steward-YYYYmmddTHHMMSSZ.dump, checked readable with
# `pg_restore --list` before it counts, then all but the newest $STEWARD_BACKUP_KEEP are deleted.
# It reads STEWARD_DATABASE_URL (the env file Steward runs with); tests/ops/test_backup.py
# restores what it writes. docs/OPERATIONS.md, "Backups": the timer, copies off the machine,
# the restore.
set -eu

: "${STEWARD_DATABASE_URL:?set STEWARD_DATABASE_URL (postgresql+asyncpg://user:pass@host/db)}"
dir=${STEWARD_BACKUP_DIR:-/var/backups/steward}
keep=${STEWARD_BACKUP_KEEP:-14}
case $keep in '' | *[!0-9]* | 0) echo "steward-backup: STEWARD_BACKUP_KEEP must be a number >= 1" >&2; exit 2 ;; esac
case $STEWARD_DATABASE_URL in
  postgresql*) ;;
  *) echo "steward-backup: STEWARD_DATABASE_URL is not PostgreSQL (SQLite: copy the file with sqlite3 .backup)" >&2; exit 2 ;;
esac
# libpq takes postgresql://, without SQLAlchemy's driver name.
url=$(printf '%s' "$STEWARD_DATABASE_URL" | sed 's|^postgresql+[a-z0-9]*://|postgresql://|')

umask 077
mkdir -p "$dir"
name=steward-$(date -u +%Y%m%dT%H%M%SZ).dump
partial="$dir/.$name.partial"
trap 'rm -f "$partial"' EXIT
pg_dump --format=custom --no-owner --file="$partial" --dbname="$url"
pg_restore --list "$partial" > /dev/null
mv "$partial" "$dir/$name"
trap - EXIT

# Retention: the newest $keep dumps stay (names sort by time).
ls -1 "$dir" | grep -E '^steward-[0-9]{8}T[0-9]{6}Z\.dump$' | sort -r | tail -n +"$((keep + 1))" |
  while read -r old; do rm -f "$dir/$old"; done
echo "$dir/$name"
