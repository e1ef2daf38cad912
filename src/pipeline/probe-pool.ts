import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { ProbeFitProgress, Shots } from '../evaluation/linear-probe.ts';
import type { KShotSample } from '../evaluation/sampling.ts';
import { deserializeError, isUserError, UserError, type SerializedError } from '../util/errors.ts';
import { drawUnits, mergeUnits, runProbeTask, unitCost, type ProbeTaskJob, type ProbeTaskResult, type ProbeUnit, type ProbeUnitResult } from './probe-task.ts';

export type { MethodsJob, ProbeTaskJob, ProbeTaskResult } from './probe-task.ts';

/** One (shots, seed) fit. */
export interface ProbeTask {
  shots: Shots;
  seed: number;
  sample: KShotSample;
}

export interface ProbePoolOptions {
  /** Worker threads; 0 fits inline on this thread (then a stop request waits for the current fit). */
  workers: number;
  signal?: AbortSignal;
  onProgress?: (task: number, p: ProbeFitProgress) => void;
  onDone?: (task: number, r: ProbeTaskResult) => void;
}

/** Raised when the run is stopped (SIGINT/SIGTERM) while probes fit; the feature cache is already sealed. */
export class RunInterrupted extends UserError {
  constructor(what: string) {
    super(`interrupted while ${what}; features already extracted stay cached, so rerunning the same command resumes from them`, 130);
    this.name = 'RunInterrupted';
  }
}

function shared<T extends Float32Array | Int32Array>(a: T): T {
  const sab = new SharedArrayBuffer(a.byteLength);
  const out = (a instanceof Float32Array ? new Float32Array(sab) : new Int32Array(sab)) as T;
  out.set(a);
  return out;
}

/**
 * Worker threads for `tasks` fits given `workers` (one per core by default). Fits are CPU-bound, so when
 * the tasks do not divide evenly among the cores the last round leaves cores idle: 3 seeds on 2 cores take
 * 2 rounds, one worker per seed (the OS shares the cores) takes 1.5. Up to two tasks per core, a task
 * whose round would not fill the cores gets its own worker.
 */
export function probeWorkerCount(tasks: number, workers: number): number {
  if (workers <= 0 || tasks <= 0) return 0;
  if (tasks <= workers) return tasks;
  return tasks < 2 * workers && tasks % workers !== 0 ? tasks : workers;
}

/**
 * Threads per probe worker: the cores split among the workers, so parallel fits do not oversubscribe them
 * (3 seeds on 2 cores: one thread each). float64 products run on one thread anyway (FLOAT64_THREADS).
 */
export function probeThreadsPerWorker(workers: number, cores: number): number {
  return Math.max(1, Math.floor(cores / workers));
}

/**
 * Fits every task and returns the results in task order. Each task is self-contained (its own draw,
 * its own C sweep, cold starts), so results do not depend on the number of workers or their timing.
 * On workers a task is split into units (probe-task.ts: the probe, and each method that does not need it),
 * started longest first, so that the methods fill the cores while the longest probes still run; a task is
 * done (onDone) when all its units are.
 */
export async function runProbeTasks(job: ProbeTaskJob, tasks: ProbeTask[], opts: ProbePoolOptions): Promise<ProbeTaskResult[]> {
  if (opts.signal?.aborted) throw new RunInterrupted('fitting probes');
  const results: ProbeTaskResult[] = new Array(tasks.length);
  const perTask = drawUnits(job);
  const units: { task: number; unit: ProbeUnit }[] = tasks
    .flatMap((_, task) => perTask.map((unit) => ({ task, unit })))
    .sort((a, b) => unitCost(b.unit) - unitCost(a.unit) || a.task - b.task);
  const size = probeWorkerCount(units.length, opts.workers);
  const dynamicThreads = size > 1 && job.settings.threads === undefined;
  if (dynamicThreads) job = { ...job, settings: { ...job.settings, threads: probeThreadsPerWorker(size, availableParallelism()) } };
  if (size <= 0) {
    for (let i = 0; i < tasks.length; i++) {
      // Let pending signals and I/O run between fits.
      await new Promise((r) => setImmediate(r));
      if (opts.signal?.aborted) throw new RunInterrupted('fitting probes');
      results[i] = runProbeTask(job, tasks[i].seed, tasks[i].sample, opts.onProgress && ((p) => opts.onProgress!(i, p)));
      opts.onDone?.(i, results[i]);
    }
    return results;
  }

  // Shared memory: every worker reads the same feature rows without a copy per worker or per task.
  const sharedJob: ProbeTaskJob = {
    ...job,
    ...(job.methods ? { methods: { ...job.methods, zeroShot: { ...job.methods.zeroShot, W: shared(job.methods.zeroShot.W) } } } : {}),
    poolLabels: shared(job.poolLabels),
    poolIndex: shared(job.poolIndex),
    poolFeatures: shared(job.poolFeatures),
    testFeats: shared(job.testFeats),
    testLabels: shared(job.testLabels),
  };
  const workers = Array.from({ length: size }, () => new Worker(new URL('./probe-worker.mjs', import.meta.url)));
  // Units running now, shared with the workers: with the threads left to the pool, a worker's float32
  // products use the cores that finished workers left idle (ort-native.ts `setFloat32ThreadBudget`).
  const busy = new Int32Array(new SharedArrayBuffer(4));
  const cores = dynamicThreads ? availableParallelism() : 0;
  let next = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let finished = 0;
      let failed = false;
      const parts = tasks.map(() => [] as ProbeUnitResult[]);
      const fail = (e: Error) => {
        if (failed) return;
        failed = true;
        reject(e);
      };
      const onAbort = () => fail(new RunInterrupted('fitting probes'));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const feed = (w: Worker) => {
        if (next >= units.length) return;
        const id = next++;
        const { task, unit } = units[id];
        Atomics.add(busy, 0, 1);
        w.postMessage({ type: 'task', id, seed: tasks[task].seed, sample: tasks[task].sample, unit });
      };
      for (const w of workers) {
        w.on('message', (msg: { type: string; id: number; progress?: ProbeFitProgress; result?: ProbeUnitResult; error?: SerializedError }) => {
          if (failed) return;
          const task = units[msg.id].task;
          if (msg.type === 'progress') opts.onProgress?.(task, msg.progress!);
          else if (msg.type === 'done') {
            Atomics.sub(busy, 0, 1);
            parts[task].push(msg.result!);
            if (parts[task].length === perTask.length) {
              results[task] = mergeUnits(job, parts[task]);
              opts.onDone?.(task, results[task]);
            }
            if (++finished === units.length) {
              opts.signal?.removeEventListener('abort', onAbort);
              resolve();
            } else feed(w);
          } else if (msg.type === 'error') {
            const e = deserializeError(msg.error!);
            const what = units[msg.id].unit.method ?? 'probe fit';
            if (!isUserError(e)) e.message = `${what} (${tasks[task].shots}-shot, seed ${tasks[task].seed}) failed: ${e.message}`;
            fail(e);
          }
        });
        w.on('error', fail);
        w.postMessage({ type: 'job', job: sharedJob, busy, cores });
        feed(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
