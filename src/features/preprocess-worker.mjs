// Worker entry. Plain .mjs so it starts under node, tsx or vitest alike. Compiled (dist/, the library
// build) it sits next to preprocess-batch.js; in src/ it registers tsx to load the TypeScript.
import { existsSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

const compiled = new URL('./preprocess-batch.js', import.meta.url);
if (!existsSync(compiled)) (await import('tsx/esm/api')).register();
const { preprocessBatch } = await import(existsSync(compiled) ? compiled.href : './preprocess-batch.ts');

parentPort.on('message', async (msg) => {
  try {
    const out = await preprocessBatch(msg.job);
    parentPort.postMessage({ id: msg.id, out }, [out.buffer]);
  } catch (e) {
    parentPort.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
  }
});
