# Fault runs on the local cluster, for `e2e.sh --faults` (sourced by it after the plain e2e: uses its
# cluster, DATASET/LIMIT/SHARDS, run_sharded, check_sharded, fail, $work and the reference run in
# $work/plain). What each showed is recorded in docs/slurm.md.

# Rows of shard $1 of the train split (cifar10: 50,000 rows): "first last".
train_rows() { echo "$(($1 * 50000 / SHARDS)) $((($1 + 1) * 50000 / SHARDS - 1))"; }

# A sealed chunk or a temp chunk (pattern $3) with its first row in [$1, $2] under cache $4?
chunk_in() {
  find "$4" -name "$3" 2>/dev/null | sed -n 's#.*/chunk-0*\([0-9][0-9]*\)-.*#\1#p' | awk -v a="$1" -v b="$2" '$1 >= a && $1 <= b { f = 1 } END { exit !f }'
}

task_state() { squeue -h -j "$1" -o '%T' 2>/dev/null; }

# 1. An array task cancelled mid-extraction and requeued: the rerun resumes from the sealed chunks.
fault_requeue() {
  run_sharded requeue
  local first last t=0
  read -r first last <<<"$(train_rows 1)"
  until [ "$(task_state "${ARRAY}_1")" = RUNNING ] && chunk_in "$first" "$last" 'chunk-*.cbf' "$work/requeue/cache"; do
    [ "$t" -ge 600 ] && fail "requeue: task 1 never sealed a train chunk"
    sleep 1
    t=$((t + 1))
  done
  scontrol requeue "${ARRAY}_1" || fail "requeue: scontrol requeue ${ARRAY}_1 failed"
  echo "faults: requeued task ${ARRAY}_1 after its first sealed train chunk" >&2
  check_sharded requeue
  local log=$work/requeue/logs/extract-${ARRAY}_1.out
  grep -q '(restart 1)' "$log" || fail "requeue: task 1 did not run a second time (log: $log)"
  # The requeued run stopped when Slurm cancelled it: it sealed nothing more after the requeue.
  sed -n '/DUE TO JOB REQUEUE/,/(restart 1)/p' "$log" | grep -q 'rows encoded' && fail "requeue: the cancelled run of task 1 kept encoding after the requeue"
  # The rerun resumed: some train rows cached by the killed run, the rest encoded now.
  grep -Eq 'cifar10/train: [1-9][0-9]* rows encoded, [1-9][0-9]* already cached' "$log" || fail "requeue: the rerun of task 1 did not resume from the sealed chunks: $(grep 'cifar10/train: .* rows encoded' "$log" | tail -n 1)"
  REQUEUE_NOTE=$(grep -E 'cifar10/train: [0-9]+ rows encoded, [1-9]' "$log" | tail -n 1 | sed 's/ →.*//')
}

# 2. A task killed with SIGKILL while writing a cache chunk: the partial temp file is never read, the
#    task fails, the bench is cancelled (afterok cannot be met), and resubmitting rebuilds the rows.
fault_sigkill() {
  run_sharded sigkill
  local first last victim
  read -r first last <<<"$(train_rows 2)"
  # Watch the cache for a temp chunk of shard 2; its name carries the writer's pid (src/util/atomic.ts).
  victim=$(timeout 600 node -e '
    const fs = require("node:fs"), path = require("node:path");
    const [root, first, last] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
    fs.mkdirSync(root, { recursive: true });
    const check = (name) => {
      const m = /^chunk-(\d+)-.*\.(\d+)\.[0-9a-f]+\.tmp$/.exec(path.basename(String(name)));
      if (!m || Number(m[1]) < first || Number(m[1]) > last) return;
      process.kill(Number(m[2]), "SIGKILL");
      console.log(`${m[2]} ${path.basename(String(name))}`);
      process.exit(0);
    };
    fs.watch(root, { recursive: true }, (_, name) => name && check(name));
  ' "$work/sigkill/cache" "$first" "$last") || fail "sigkill: no temp chunk of shard 2 appeared"
  echo "faults: SIGKILLed pid ${victim% *} while it wrote ${victim#* }" >&2
  wait_gone "$BENCH" 600 || fail "sigkill: the bench job $BENCH was not cancelled"
  job_records | grep -q "^${ARRAY}_2 FAILED" || fail "sigkill: task 2 is not recorded FAILED: $(job_records | tr '\n' ';')"
  ! job_records | grep -q "^$BENCH COMPLETED" || fail "sigkill: the bench ran although task 2 failed"
  find "$work/sigkill/cache" -name '*.tmp' | grep -q . || fail "sigkill: the kill left no temp file (it landed between writes)"
  SIGKILL_VERIFY=$(npm run -s features -- verify --dataset "$DATASET" --split test,train --limit "$LIMIT" --shards "$SHARDS" --cache-dir "$work/sigkill/cache" 2>&1)
  [ $? -eq 1 ] || fail "sigkill: verify did not find the cache incomplete"
  grep -q 'corrupt' <<<"$SIGKILL_VERIFY" && fail "sigkill: verify read a corrupt chunk: $SIGKILL_VERIFY"
  grep -q "; shard 2/$SHARDS$" <<<"$SIGKILL_VERIFY" || fail "sigkill: verify did not name shard 2 alone: $SIGKILL_VERIFY"
  # Resubmit: the other shards find every row cached, shard 2 encodes what the killed run had not sealed.
  run_sharded sigkill
  check_sharded sigkill
  grep -q 'cifar10/train: 0 rows encoded, 12500 already cached' "$work/sigkill/logs/extract-${ARRAY}_0.out" || fail "sigkill: shard 0 re-encoded rows on resubmission"
}

# 3. Two bench runs on the same dataset and cache directory at the same time, as two jobs.
fault_concurrent() {
  local jobs=() j r
  # shellcheck disable=SC2086
  for r in a b; do
    j=$(sbatch --parsable --chdir="$repo" --cpus-per-task=1 --mem=2G --output="$work/concurrent-$r.out" \
      --wrap "npm run -s bench -- --dataset $DATASET --limit $LIMIT --shots 1,4 $bench_flags --threads 1 --cache-dir $work/concurrent/cache --out $work/concurrent/$r --export-features $work/concurrent/features-$r") || fail "concurrent: sbatch failed"
    jobs+=("$j")
  done
  for j in "${jobs[@]}"; do wait_gone "$j" 900 || fail "concurrent: job $j did not finish"; done
  for j in "${jobs[@]}"; do job_records | grep -q "^$j COMPLETED 0:0" || fail "concurrent: job $j did not complete: $(job_records | grep "^$j ")"; done
  for r in a b; do
    grep -q "$DATASET/test: $LIMIT images (0 cached, $LIMIT encoded)" "$work/concurrent-$r.out" || fail "concurrent: run $r did not encode the test rows itself (the runs did not overlap)"
    npx tsx test/helpers/same-results.ts "$work/concurrent/$r" "$work/plain/run" "$work/concurrent/features-$r" "$work/plain/features" || fail "concurrent: run $r differs from the unsharded run"
  done
  npm run -s features -- verify --dataset "$DATASET" --split test --limit "$LIMIT" --cache-dir "$work/concurrent/cache" >"$work/concurrent-verify.txt" 2>&1 || fail "concurrent: verify failed: $(tail -n 2 "$work/concurrent-verify.txt")"
  ! find "$work/concurrent/cache" -name '*.tmp' | grep -q . || fail "concurrent: temp files left in the cache"
}

# 4. A full disk during a cache write: a 1 MB tmpfs as the cache directory.
fault_full_disk() {
  local tiny=$work/tiny j
  mkdir -p "$tiny"
  mount -t tmpfs -o size=1m tmpfs "$tiny" || { FULL_DISK_NOTE="skipped (mount not allowed; the vitest ENOSPC test covers it)"; return 0; }
  TINY_MOUNT=$tiny
  j=$(sbatch --parsable --chdir="$repo" --cpus-per-task=1 --output="$work/full-disk.out" \
    --wrap "npm run -s features -- extract --dataset $DATASET --split train --shard 0/$SHARDS --threads 1 --cache-dir $tiny") || fail "full disk: sbatch failed"
  wait_gone "$j" 600 || fail "full disk: job $j did not finish"
  job_records | grep -q "^$j FAILED 2:0" || fail "full disk: job $j is not FAILED with exit 2: $(job_records | grep "^$j ")"
  FULL_DISK_NOTE=$(grep '^error:' "$work/full-disk.out")
  [ "$(grep -c '^error:' "$work/full-disk.out")" = 1 ] && grep -q 'no space left on the device while sealing rows' <<<"$FULL_DISK_NOTE" || fail "full disk: not one clear error line: $(tail -n 3 "$work/full-disk.out")"
  ! find "$tiny" -name '*.tmp' | grep -q . || fail "full disk: a temp file was left on the full disk"
  umount "$tiny" && TINY_MOUNT=''
}

run_faults() {
  TINY_MOUNT=''
  trap '[ -n "$TINY_MOUNT" ] && umount "$TINY_MOUNT"; cleanup' EXIT
  local t0
  t0=$(date +%s); fault_requeue; echo "faults: requeue passed in $(($(date +%s) - t0)) s: $REQUEUE_NOTE" >&2
  t0=$(date +%s); fault_sigkill; echo "faults: sigkill passed in $(($(date +%s) - t0)) s" >&2
  t0=$(date +%s); fault_concurrent; echo "faults: concurrent benches passed in $(($(date +%s) - t0)) s" >&2
  t0=$(date +%s); fault_full_disk; echo "faults: full disk passed in $(($(date +%s) - t0)) s: $FULL_DISK_NOTE" >&2
  FAULTS_PASSED="requeue, sigkill mid-write, concurrent benches, full disk"
}
