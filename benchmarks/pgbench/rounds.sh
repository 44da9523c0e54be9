# Sourced by run.sh and variants/run.sh: runs the variants (<name>.sql in the current directory) in shuffled
# rounds with pgbench as the app role, then prints each one's median tps and its ratio to explicit_where.
#   run_rounds <clients> <rounds> <seconds> <variant>...
run_rounds() {
  local clients=$1 rounds=$2 seconds=$3; shift 3
  local results round variant tps
  results=$(mktemp)
  for round in $(seq 1 "$rounds"); do
    for variant in $(printf '%s\n' "$@" | shuf --random-source=<(yes "$round")); do
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
    print(f"{name:30} median {statistics.median(values):8.0f} tps  ratio {statistics.median(values) / base:.3f}")
PY
  rm -f "$results"
}
