// Worker entry. Plain .mjs so it starts under node, tsx or vitest alike. Compiled (dist/, the library
// build) it sits next to preprocess-batch.js; in src/ it registers tsx to load the TypeScript.
import { existsSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';

// Lower this thread's scheduling priority first, so that even loading its modules yields to the encoder's
// threads (PreprocessPool's `nice`, added to the priority this thread inherited, at most 19). Linux only:
// /proc/thread-self names this thread's id, and a nice value set on a thread id applies to that thread
// alone; elsewhere the worker keeps the process's priority.
if (workerData?.nice) {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    setPriority(tid, Math.min(19, getPriority(tid) + workerData.nice));
  } catch {
    // no per-thread priority here: run at the normal one
  }
}

const compiled = existsSync(new URL('./preprocess-batch.js', import.meta.url));
if (!compiled) (await import('tsx/esm/api')).register();
const { preprocessClaimed } = compiled ? await import('./preprocess-batch.js') : await import('./preprocess-batch.ts');
const { serializeError } = compiled ? await import('../util/errors.js') : await import('../util/errors.ts');

parentPort.on('message', async (msg) => {
  try {
    // Images the main thread has claimed meanwhile are skipped; the pixels stay in the shared `out`.
    await preprocessClaimed(msg.job, msg.claim, msg.out);
    parentPort.postMessage({ id: msg.id });
  } catch (e) {
    // Kind and exit code travel explicitly: a cloned Error would arrive as a plain Error.
    parentPort.postMessage({ id: msg.id, error: serializeError(e) });
  }
});
parentPort.postMessage({ ready: true });
