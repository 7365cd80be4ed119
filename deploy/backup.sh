#!/usr/bin/env bash
# Nightly: a consistent PostgreSQL dump and the instance files (attachments, matcher index);
# keeps 14 days. Restore: pg_restore -d rongtong --clean dump.pgc; tar xzf instance.tgz -C /
set -euo pipefail
dir="${BACKUP_DIR:-/var/lib/rongtong/backups}/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$dir"
pg_dump --format=custom --file "$dir/rongtong.pgc" "${DATABASE_URL/+psycopg/}"
tar czf "$dir/instance.tgz" -C / "${RONGTONG_INSTANCE_PATH#/}"
find "$(dirname "$dir")" -mindepth 1 -maxdepth 1 -type d -mtime +14 -exec rm -rf {} +
echo "backup written to $dir"
