// Worker entry. Plain .mjs so it starts under node, tsx or vitest alike. Compiled (dist/, the library
// build) it sits next to preprocess-batch.js; in src/ it registers tsx to load the TypeScript.
import { existsSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

const compiled = existsSync(new URL('./preprocess-batch.js', import.meta.url));
if (!compiled) (await import('tsx/esm/api')).register();
const { preprocessBatch } = compiled ? await import('./preprocess-batch.js') : await import('./preprocess-batch.ts');
const { serializeError } = compiled ? await import('../util/errors.js') : await import('../util/errors.ts');

parentPort.on('message', async (msg) => {
  try {
    const out = await preprocessBatch(msg.job);
    parentPort.postMessage({ id: msg.id, out }, [out.buffer]);
  } catch (e) {
    // Kind and exit code travel explicitly: a cloned Error would arrive as a plain Error.
    parentPort.postMessage({ id: msg.id, error: serializeError(e) });
  }
});
parentPort.postMessage({ ready: true });
