#!/usr/bin/env bash
# End to end on a real Slurm: start a single-node cluster from Debian's slurm-wlm and munge (installed
# with apt when missing; needs root), submit a 4-task extraction array and the dependent bench through
# submit.sh, wait, and check that the bench equals an unsharded --no-cache run (bit-identical exported
# features; results.json equal but for timings and cache bookkeeping). The cluster is torn down on exit.
#
#   bash deploy/slurm/e2e.sh            # ~2 min on 2 cores
#   bash deploy/slurm/e2e.sh --faults   # then the fault runs (deploy/slurm/faults.sh, docs/slurm.md)
#   KEEP=1 bash deploy/slurm/e2e.sh     # keep the working directory (logs, caches, runs)
#
# Prints one final line, "slurm e2e: PASS …" or "slurm e2e: FAIL …", and exits non-zero on failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
start=$(date +%s)
elapsed() { echo "$(($(date +%s) - start)) s"; }
fail() { echo "slurm e2e: FAIL — $* (after $(elapsed); logs in $work)"; keep=1; exit 1; }
faults=0
[ "${1:-}" = --faults ] && faults=1

# shellcheck source=deploy/slurm/local-cluster.sh
source deploy/slurm/local-cluster.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/cb-slurm-e2e-XXXXXX")
keep=0
cleanup() {
  cluster_down
  [ "$keep" = 1 ] || [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cluster_install || fail "could not install slurm-wlm and munge"
[ -d node_modules ] || npm ci --silent || fail "npm ci failed"
# A small run: cifar10's test split cut to a seeded 200 images; the probes read the train split, all of it.
DATASET=cifar10 LIMIT=200 SHARDS=4
npm run -s datasets -- fetch "$DATASET" >/dev/null || fail "could not fetch $DATASET"
cluster_up "$work/cluster" || fail "the local Slurm cluster did not start"
echo "e2e: Slurm $(sinfo -V | cut -d' ' -f2) up on $(hostname -s) ($(nproc) CPUs), working in $work" >&2

bench_flags="--seeds 1 --bootstrap 200"
# run_sharded <name>: submit the array and the bench job; sets ARRAY and BENCH.
run_sharded() {
  local ids
  ids=$(deploy/slurm/submit.sh --dataset "$DATASET" --limit "$LIMIT" --shots 1,4 --shards "$SHARDS" \
    --cache-dir "$work/$1/cache" --out "$work/$1/run" --logs "$work/$1/logs" \
    --bench-flags "$bench_flags --export-features $work/$1/features") || fail "submit.sh failed"
  read -r ARRAY BENCH <<<"$ids"
}

# check_sharded <name>: every task and the bench completed with exit 0, and the bench equals the plain run.
check_sharded() {
  wait_gone "$BENCH" 900 || fail "$1: the bench job $BENCH did not finish in 15 min"
  local records bad
  # The latest record of each job (a requeued task also has the record of its killed run).
  records=$(job_records | awk '{ last[$1] = $0 } END { for (k in last) print last[k] }')
  bad=$(awk -v a="$ARRAY" -v b="$BENCH" '($1 ~ "^"a"_" || $1 == b) && ($2 != "COMPLETED" || $3 != "0:0")' <<<"$records")
  [ "$(grep -c "^${ARRAY}_" <<<"$records")" -ge "$SHARDS" ] || fail "$1: fewer than $SHARDS array tasks finished: $(tr '\n' ';' <<<"$records")"
  [ -z "$bad" ] || fail "$1: jobs did not complete: $(tr '\n' ';' <<<"$bad") — see $work/$1/logs"
  grep -q "^$BENCH COMPLETED 0:0" <<<"$records" || fail "$1: the bench job $BENCH did not complete: $(tr '\n' ';' <<<"$records")"
  npx tsx test/helpers/same-results.ts "$work/$1/run" "$work/plain/run" "$work/$1/features" "$work/plain/features" ||
    fail "$1: the sharded run's results differ from the unsharded --no-cache run's"
}

run_sharded sharded
# The reference while the cluster works: the same bench, unsharded, with no cache.
# shellcheck disable=SC2086
npm run -s bench -- --dataset "$DATASET" --limit "$LIMIT" --shots 1,4 $bench_flags --threads 1 --no-cache \
  --out "$work/plain/run" --export-features "$work/plain/features" >"$work/plain.log" 2>&1 || fail "the unsharded --no-cache bench failed: $(tail -n 1 "$work/plain.log")"
check_sharded sharded
result="4-task array + dependent bench on $DATASET (--limit $LIMIT) equal an unsharded --no-cache run"

if [ "$faults" = 1 ]; then
  # shellcheck source=deploy/slurm/faults.sh
  source deploy/slurm/faults.sh
  run_faults || fail "fault runs"
  result="$result; fault runs passed ($FAULTS_PASSED)"
fi
echo "slurm e2e: PASS — $result, in $(elapsed)"
