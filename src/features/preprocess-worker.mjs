// Worker entry. Plain .mjs so it starts under node, tsx or vitest alike; it registers tsx to load
// the TypeScript preprocessing code.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { preprocessBatch } = await import('./preprocess-batch.ts');
const { serializeError } = await import('../util/errors.ts');

parentPort.on('message', (msg) => {
  try {
    const out = preprocessBatch(msg.job);
    parentPort.postMessage({ id: msg.id, out }, [out.buffer]);
  } catch (e) {
    // Kind and exit code travel explicitly: a cloned Error would arrive as a plain Error.
    parentPort.postMessage({ id: msg.id, error: serializeError(e) });
  }
});
