#!/usr/bin/env bash
# Server-side cost of the binding, without the network round trips or a Java client: pgbench sends BEGIN, the
# binding and the read in one pipeline, then COMMIT, as pgjdbc does. Variants run in shuffled rounds; prints the
# median tps of each and its ratio to explicit_where.
#   bash benchmarks/pgbench/run.sh [clients] [rounds] [seconds]     (PostgreSQL on 127.0.0.1:5432, user postgres)
set -euo pipefail
cd "$(dirname "$0")"
clients=${1:-1}; rounds=${2:-5}; seconds=${3:-5}
psql -q -h 127.0.0.1 -U postgres -d postgres -f setup.sql >/dev/null
results=$(mktemp)
for round in $(seq 1 "$rounds"); do
  for variant in $(printf '%s\n' explicit_where set_config_only rls_bound | shuf --random-source=<(yes "$round")); do
    tps=$(pgbench -n -h 127.0.0.1 -U tenancy_pgbench_app -M prepared -c "$clients" -j "$clients" -T "$seconds" \
      -f "$variant.sql" tenancy_pgbench 2>&1 | awk '/^tps/ {print $3}')
    echo "$variant $tps" | tee -a "$results"
  done
done
python3 - "$results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, tps = line.split()
    runs.setdefault(name, []).append(float(tps))
base = statistics.median(runs["explicit_where"])
for name, values in runs.items():
    print(f"{name:16} median {statistics.median(values):8.0f} tps  ratio {statistics.median(values) / base:.3f}")
PY
rm -f "$results"
