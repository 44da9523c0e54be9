#!/usr/bin/env bash
# What each part of the binding costs the server, one tenant ('tenant-042') throughout. Every session starts with
# that tenant set (PGOPTIONS), so the rls_preset variants read through the policy with no binding at all:
#   explicit_where                 BEGIN; read with WHERE tenant_id = ...; COMMIT         (the baseline)
#   explicit_where_plus_select_1   the same with SELECT 1 in the pipeline                  (any extra statement)
#   rls_preset                     read through the policy, tenant preset                  (the policy alone)
#   rls_preset_plain_policy        the same, policy without the (SELECT ...) initPlan      (the initPlan's price)
#   set_config_rls                 set_config + read through the policy                    (what TenantDataSource sends)
#   set_local_rls                  SET LOCAL + read through the policy                     (a literal; not usable with
#                                                                                           prepared statements)
#   bash benchmarks/pgbench/variants/run.sh [clients] [rounds] [seconds]
set -euo pipefail
cd "$(dirname "$0")"
clients=${1:-2}; rounds=${2:-7}; seconds=${3:-5}
psql -q -h 127.0.0.1 -U postgres -d postgres -f ../setup.sql >/dev/null
source ../rounds.sh
# Every session starts with the tenant set, for the rls_preset variants.
PGOPTIONS='-c tenancy.tenant_id=tenant-042' run_rounds "$clients" "$rounds" "$seconds" explicit_where \
  explicit_where_plus_select_1 rls_preset rls_preset_plain_policy set_config_rls set_local_rls
