// Probe worker: fits k-shot probes (and, with --methods, the few-shot methods of the same draw) off the main
// thread, so the main thread keeps printing progress and answering SIGINT/SIGTERM while L-BFGS runs. Plain
// .mjs so it starts under node, tsx or vitest alike: compiled (dist/, the library build) it sits next to
// probe-task.js; in src/ it registers tsx.
import { existsSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

const compiled = existsSync(new URL('./probe-task.js', import.meta.url));
if (!compiled) (await import('tsx/esm/api')).register();
const { runProbeUnit, setFloat32ThreadBudget } = compiled ? await import('./probe-task.js') : await import('./probe-task.ts');
const { serializeError } = compiled ? await import('../util/errors.js') : await import('../util/errors.ts');

const PROGRESS_EVERY_MS = 200;
let job = null;

parentPort.on('message', (msg) => {
  if (msg.type === 'job') {
    job = msg.job;
    // The pool's cores shared among the units running now (at least one thread each).
    const { busy, cores } = msg;
    if (cores > 0) setFloat32ThreadBudget(() => Math.max(1, Math.floor(cores / Math.max(1, Atomics.load(busy, 0)))));
    return;
  }
  let last = 0;
  const onProgress = (p) => {
    const t = performance.now();
    if (t - last < PROGRESS_EVERY_MS) return;
    last = t;
    parentPort.postMessage({ type: 'progress', id: msg.id, progress: { ...p } });
  };
  try {
    const result = runProbeUnit(job, msg.unit, msg.seed, msg.sample, onProgress);
    parentPort.postMessage({ type: 'done', id: msg.id, result }, result.probe ? [result.probe.correct.buffer] : []);
  } catch (e) {
    parentPort.postMessage({ type: 'error', id: msg.id, error: serializeError(e) });
  }
});
