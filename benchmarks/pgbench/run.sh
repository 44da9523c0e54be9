#!/usr/bin/env bash
# Server-side cost of the binding, without the network round trips or a Java client: pgbench sends BEGIN, the
# binding and the read in one pipeline, then COMMIT, as pgjdbc does. Variants run in shuffled rounds; prints the
# median tps of each and its ratio to explicit_where.
#   bash benchmarks/pgbench/run.sh [clients] [rounds] [seconds]     (PostgreSQL on 127.0.0.1:5432, user postgres)
set -euo pipefail
cd "$(dirname "$0")"
clients=${1:-1}; rounds=${2:-5}; seconds=${3:-5}
psql -q -h 127.0.0.1 -U postgres -d postgres -f setup.sql >/dev/null
source ./rounds.sh
run_rounds "$clients" "$rounds" "$seconds" explicit_where set_config_only rls_bound
