/**
 * Sharded extraction scaling: the same rows encoded by 2 processes × 1 ONNX thread (`features extract
 * --shard 0/2` and `--shard 1/2` at once, into one fresh cache) against 1 process × 1 thread (`--shard 0/1`).
 * Both sides preprocess inline (--workers 0), so each process uses one core.
 *
 * Target (issue 12): 2 processes on 2 cores ≥ 1.6× one process with 1 thread. The cores are shared with
 * other jobs, so each round runs the two variants back to back (order alternating between rounds), the
 * load average is recorded around each, and the median ratio over rounds is reported.
 *
 *   speedup (extract):  rows / slowest process's extraction seconds (as `features extract` prints them:
 *                       cache read, dataset read, preprocessing, encoding, sealing), 2 processes vs 1
 *   speedup (wall):     the same from spawn to the last exit, with process start and model load
 *   CPU per row:        user + system CPU seconds of the processes (GNU time) less a run that loads the
 *                       model and encodes nothing, per row. Unlike wall time it does not depend on how much
 *                       of the cores other jobs take: equal CPU per row in 1 and 2 processes means the
 *                       shards add no work, so on 2 free cores they would run 2 / (CPU ratio) × as fast.
 *
 *   npx tsx bench/shard-scaling.ts [--n 160] [--rounds 3] [--model <dir>] [--quick]
 *   → bench/results/shard-scaling.json (--quick: → shard-scaling-quick.json) and a table on stdout
 *   Default model: the ViT-B/32-shaped export of bench/vit-graph.ts; CIFAR-10 test rows (--limit n).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../src/util/paths.ts';
import { VIT_B32_DIR, machineInfo, median, writeVitExport } from './vit-graph.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '160' },
    rounds: { type: 'string', default: '3' },
    model: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const N = Number(values.quick ? 64 : values.n);
const ROUNDS = Number(values.quick ? 1 : values.rounds);
const TSX = join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');

/** GNU time's "%U %S" line, appended to the child's stderr. */
const TIME = '/usr/bin/time';
const CPU_LINE = /^cpu ([\d.]+) ([\d.]+)$/m;

interface Run {
  /** User + system CPU seconds of all processes. */
  cpuSeconds: number;
  /** Spawn to last exit. */
  wallSeconds: number;
  /** Slowest process's extraction time, as it printed it. */
  extractSeconds: number;
  loadBefore: number;
  loadAfter: number;
}

/** `npm run features -- extract` as the Job runs it, `count` processes at once, one per shard. */
async function extractRun(model: string, count: number, rows = N, which = Array.from({ length: count }, (_, i) => i)): Promise<Run> {
  const cache = await mkdtemp(join(tmpdir(), 'cb-shard-scaling-'));
  const loadBefore = loadavg()[0];
  const t0 = performance.now();
  try {
    const procs = await Promise.all(
      which.map((i) =>
        new Promise<{ seconds: number; cpu: number }>((done, fail) => {
          const args = ['-f', 'cpu %U %S', TSX, 'src/cli/features.ts', 'extract', '--model', model, '--dataset', 'cifar10', '--split', 'test', '--limit', String(rows), '--shard', `${i}/${count}`, '--threads', '1', '--workers', '0', '--cache-dir', cache];
          // Each shard in its own session, as on its own machine or pod: with the kernel's autogroup scheduling
          // (sched_autogroup_enabled), processes of one session share one group's CPU share, so two shards
          // started from one session could never take more CPU than one on a busy machine.
          const child = spawn(TIME, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
          let out = '';
          child.stdout.on('data', (d) => (out += d));
          child.stderr.on('data', (d) => (out += d));
          child.on('close', (code) => {
            const m = /rows encoded, 0 already cached, in ([\d.]+) s/.exec(out) ?? /takes (no) rows/.exec(out);
            const cpu = CPU_LINE.exec(out);
            if (code !== 0 || !m || !cpu) fail(new Error(`shard ${i}/${count} exited ${code}:\n${out}`));
            else done({ seconds: m[1] === 'no' ? 0 : Number(m[1]), cpu: Number(cpu[1]) + Number(cpu[2]) });
          });
        }),
      ),
    );
    const cpuSeconds = procs.reduce((s, p) => s + p.cpu, 0);
    return { cpuSeconds, wallSeconds: (performance.now() - t0) / 1000, extractSeconds: Math.max(...procs.map((p) => p.seconds)), loadBefore, loadAfter: loadavg()[0] };
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const model = values.model ?? (await writeVitExport(VIT_B32_DIR)).dir;
  const rounds: { one: Run; two: Run; idle: Run; extractSpeedup: number; wallSpeedup: number; cpuPerRowRatio: number }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let one: Run;
    let two: Run;
    if (r % 2 === 0) {
      one = await extractRun(model, 1);
      two = await extractRun(model, 2);
    } else {
      two = await extractRun(model, 2);
      one = await extractRun(model, 1);
    }
    // Start-up and model load alone: --limit 1 --shard 0/2 takes no rows.
    const idle = await extractRun(model, 2, 1, [0]);
    const fixed = idle.cpuSeconds;
    const cpuPerRowRatio = (two.cpuSeconds - 2 * fixed) / (one.cpuSeconds - fixed);
    const round = { one, two, idle, extractSpeedup: one.extractSeconds / two.extractSeconds, wallSpeedup: one.wallSeconds / two.wallSeconds, cpuPerRowRatio };
    rounds.push(round);
    process.stderr.write(
      `round ${r + 1}/${ROUNDS}: extract speedup ${round.extractSpeedup.toFixed(2)}×, wall ${round.wallSpeedup.toFixed(2)}×, CPU per row 2 vs 1 process ${cpuPerRowRatio.toFixed(2)} (load ${one.loadBefore.toFixed(1)}–${two.loadAfter.toFixed(1)})\n`,
    );
  }
  const loads = rounds.flatMap((r) => [r.one.loadBefore, r.one.loadAfter, r.two.loadBefore, r.two.loadAfter]);
  const summary = {
    rows: N,
    rounds: ROUNDS,
    model: values.model ?? 'ViT-B/32-shaped random export (bench/vit-graph.ts)',
    medianExtractSpeedup: median(rounds.map((r) => r.extractSpeedup)),
    medianWallSpeedup: median(rounds.map((r) => r.wallSpeedup)),
    medianCpuPerRowRatio: median(rounds.map((r) => r.cpuPerRowRatio)),
    oneProcessImgPerSec: median(rounds.map((r) => N / r.one.extractSeconds)),
    twoProcessesImgPerSec: median(rounds.map((r) => N / r.two.extractSeconds)),
    loadAverage1m: { min: Math.min(...loads), max: Math.max(...loads) },
    target: '2 processes × 1 thread ≥ 1.6× 1 process × 1 thread',
  };
  const out = join(PROJECT_ROOT, 'bench', 'results', values.quick ? 'shard-scaling-quick.json' : 'shard-scaling.json');
  await mkdir(join(PROJECT_ROOT, 'bench', 'results'), { recursive: true });
  await writeFile(out, `${JSON.stringify({ measuredAt: new Date().toISOString(), machine: machineInfo(), summary, rounds }, null, 2)}\n`);
  process.stdout.write(
    `sharded extraction, ${N} CIFAR-10 test rows, ${summary.model}, median of ${ROUNDS} round${ROUNDS === 1 ? '' : 's'}\n` +
      `  1 process × 1 thread:   ${summary.oneProcessImgPerSec.toFixed(1)} img/s\n` +
      `  2 processes × 1 thread: ${summary.twoProcessesImgPerSec.toFixed(1)} img/s\n` +
      `  speedup: ${summary.medianExtractSpeedup.toFixed(2)}× extraction, ${summary.medianWallSpeedup.toFixed(2)}× wall incl. start-up (target ≥ 1.6×)\n` +
      `  CPU per row, 2 processes / 1 process: ${summary.medianCpuPerRowRatio.toFixed(2)} (on 2 free cores: ${(2 / summary.medianCpuPerRowRatio).toFixed(2)}× expected)\n` +
      `  load average (1 min) during the runs: ${summary.loadAverage1m.min.toFixed(1)}–${summary.loadAverage1m.max.toFixed(1)} on ${machineInfo().cores} cores\n` +
      `wrote ${out}\n`,
  );
}

await main();
