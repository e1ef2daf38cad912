#!/usr/bin/env bash
# Submit a sharded extraction (a Slurm job array, one shard per task) and the bench that reads it
# (started only if every task succeeds). Run from anywhere; the jobs run in the repository root.
#
#   deploy/slurm/submit.sh --dataset cifar10 --shards 8 --cache-dir /shared/clip-bench/features
#
# Prints "<array job id> <bench job id>" on stdout. See docs/slurm.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
usage() {
  cat >&2 <<USAGE
usage: deploy/slurm/submit.sh --dataset <d> --shards <n> --cache-dir <shared dir> [options]
  --model <m>          export directory or registry name (default models/demo-clip)
  --split <list>       splits to extract (default test,train: zero-shot reads test, the probes train)
  --limit <n>          bench's seeded subset of n test images (extract and bench use the same)
  --shots <list>       bench --shots (default 1,2,4,8,16)
  --data-dir <dir>     dataset cache every node can read (default the repository's datasets/)
  --out <dir>          bench output directory (default reports/slurm-<bench job id>)
  --logs <dir>         job logs (default slurm-logs/ in the repository)
  --bench-flags "<f>"  more bench flags, e.g. "--seeds 5 --bootstrap 2000"
  --sbatch "<opts>"    sbatch options for both jobs, e.g. "--partition=cpu --account=lab"
USAGE
}
fail() { echo "error: $*" >&2; exit 2; }
shards='' logs="$repo/slurm-logs" sbatch_opts=''
export CB_MODEL=models/demo-clip CB_SPLITS=test,train CB_SHOTS=1,2,4,8,16 CB_DATASET='' CB_CACHE_DIR='' CB_LIMIT='' CB_DATA_DIR='' CB_OUT='' CB_BENCH_FLAGS=''
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || { [ "$1" = -h ] || [ "$1" = --help ] || fail "$1 needs a value (see: deploy/slurm/submit.sh --help)"; usage; exit 0; }
  case $1 in
    --dataset) CB_DATASET=$2 ;;
    --model) CB_MODEL=$2 ;;
    --shards) shards=$2 ;;
    --cache-dir) CB_CACHE_DIR=$2 ;;
    --split) CB_SPLITS=$2 ;;
    --limit) CB_LIMIT=$2 ;;
    --shots) CB_SHOTS=$2 ;;
    --data-dir) CB_DATA_DIR=$2 ;;
    --out) CB_OUT=$2 ;;
    --logs) logs=$2 ;;
    --bench-flags) CB_BENCH_FLAGS=$2 ;;
    --sbatch) sbatch_opts=$2 ;;
    *) fail "unknown option $1 (see: deploy/slurm/submit.sh --help)" ;;
  esac
  shift 2
done
[ -n "$CB_DATASET" ] || fail "--dataset is required, e.g. --dataset cifar10"
[ -n "$CB_CACHE_DIR" ] || fail "--cache-dir is required: a directory every node of the partition shares (NFS, Lustre, GPFS)"
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || fail "--shards must be a number of array tasks ≥ 1, e.g. --shards 4, got '${shards}'"
command -v sbatch >/dev/null || fail "sbatch is not on PATH: run this on a Slurm login node"
# Every task and the bench job resolve relative paths from the repository root.
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
CB_CACHE_DIR=$(abs "$CB_CACHE_DIR")
[ -n "$CB_DATA_DIR" ] && CB_DATA_DIR=$(abs "$CB_DATA_DIR")
[ -n "$CB_OUT" ] && CB_OUT=$(abs "$CB_OUT")
[ -d "$CB_MODEL" ] && CB_MODEL=$(abs "$CB_MODEL")
logs=$(abs "$logs")
mkdir -p "$logs" "$CB_CACHE_DIR"
export CB_SHARDS=$shards
# shellcheck disable=SC2086 # sbatch_opts is a list of options
array=$(sbatch --parsable --chdir="$repo" --array="0-$((shards - 1))" --output="$logs/extract-%A_%a.out" $sbatch_opts "$here/extract.sbatch")
array=${array%%;*}
# kill-on-invalid-dep: if a task fails for good, the bench job is cancelled instead of pending forever.
# shellcheck disable=SC2086
bench=$(sbatch --parsable --chdir="$repo" --dependency="afterok:$array" --kill-on-invalid-dep=yes --output="$logs/bench-%j.out" $sbatch_opts "$here/bench.sbatch")
bench=${bench%%;*}
echo "submitted extraction array $array (tasks 0-$((shards - 1))) and bench job $bench (after every task succeeds); logs in $logs" >&2
echo "$array $bench"
