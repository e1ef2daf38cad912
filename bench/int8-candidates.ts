/**
 * The candidates for batching int8 (DynamicQuantizeLinear) graphs reproducibly, on raw onnxruntime
 * sessions of the ViT-B/32-shaped int8 export (bench/int8-batching.ts builds it), one batch of B images:
 *
 *   one-per-run   the export run one image at a time (the reference every candidate must equal).
 *   per-row-dq    the per-row rewrite (src/model/onnx/per-row-quantize.ts), batched: what the loader uses.
 *   scan          the whole graph as the body of an ONNX Scan over the batch, one image per iteration in one run.
 *   batched       the export batched as it is: one scale per batch, NOT reproducible; the speed ceiling.
 *
 * Prints img/s (median of rounds, the candidates back to back in each round) and whether each candidate's
 * embeddings equal one-per-run's bit for bit. docs/int8.md quotes its output.
 *
 *   npx tsx bench/int8-candidates.ts [--batch 16] [--rounds 3] [--threads 2]
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { makeTensor } from '../src/model/onnx/builder.ts';
import { quantizePerRow } from '../src/model/onnx/per-row-quantize.ts';
import { AttributeType, decodeModel, encodeModel, type ModelProto, type ValueInfoProto } from '../src/model/onnx/schema.ts';
import { encodeReusingInitializers } from '../src/model/onnx/splice.ts';
import { Rng } from '../src/util/rng.ts';
import { int8Export } from './int8-batching.ts';
import { VIT_B32_DIR, median, writeVitExport } from './vit-graph.ts';

const { values } = parseArgs({ options: { batch: { type: 'string', default: '16' }, rounds: { type: 'string', default: '3' }, threads: { type: 'string', default: '2' } } });
const B = Number(values.batch);
const SIDE = 224;
const PER = 3 * SIDE * SIDE;
const DIM = 512;

const tensorInfo = (name: string, dims: (number | string)[]): ValueInfoProto => ({
  name,
  type: { tensor_type: { elem_type: 1, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
});

/** The graph's nodes moved into a Scan body that sees one image [3, H, W]; weights stay in the outer graph. */
function asScan(model: ModelProto): Uint8Array {
  const g = model.graph;
  const body = {
    name: 'per_image',
    node: [
      { name: 'scan_unsqueeze', op_type: 'Unsqueeze', domain: '', input: ['scan_image', 'scan_axis0'], output: ['pixel_values'] },
      ...g.node,
      { name: 'scan_squeeze', op_type: 'Squeeze', domain: '', input: ['image_embeds', 'scan_axis0'], output: ['scan_embedding'] },
    ],
    initializer: [],
    input: [tensorInfo('scan_image', [3, SIDE, SIDE])],
    output: [tensorInfo('scan_embedding', [DIM])],
  };
  g.node = [{ name: 'scan', op_type: 'Scan', domain: '', input: ['images'], output: ['embeddings'], attribute: [
    { name: 'num_scan_inputs', type: AttributeType.INT, i: 1 },
    { name: 'body', type: AttributeType.GRAPH, g: body },
  ] }];
  g.initializer = [...(g.initializer ?? []), makeTensor('scan_axis0', BigInt64Array.from([0n]), [1])];
  g.input = [tensorInfo('images', ['batch', 3, SIDE, SIDE])];
  g.output = [tensorInfo('embeddings', ['batch', DIM])];
  g.value_info = [];
  return encodeModel(model);
}

async function main(): Promise<void> {
  const vit = await writeVitExport(VIT_B32_DIR);
  const path = join(await int8Export(vit.dir, !vit.reused), 'onnx', 'vision_model_quantized.onnx');
  const bytes = await readFile(path);
  const rewritten = decodeModel(bytes);
  const r = quantizePerRow(rewritten, 'pixel_values');
  if (!('added' in r)) throw new Error(r.unsupported);
  const opt: ort.InferenceSession.SessionOptions = { intraOpNumThreads: Number(values.threads), graphOptimizationLevel: 'all', logSeverityLevel: 3 };
  const original = await ort.InferenceSession.create(path, opt);
  const perRow = await ort.InferenceSession.create(encodeReusingInitializers(bytes, rewritten, r.added), opt);
  const scan = await ort.InferenceSession.create(asScan(decodeModel(bytes)), opt);

  const rng = new Rng(1);
  const px = new Float32Array(B * PER);
  for (let i = 0; i < B; i++) {
    const gain = 0.5 + 1.5 * rng.next();
    for (let j = 0; j < PER; j++) px[i * PER + j] = rng.normal() * gain;
  }
  const run = async (s: ort.InferenceSession, input: string, output: string, from: number, n: number) =>
    (await s.run({ [input]: new ort.Tensor('float32', px.subarray(from * PER, (from + n) * PER), [n, 3, SIDE, SIDE]) }))[output].data as Float32Array;
  const candidates: Record<string, () => Promise<Float32Array>> = {
    'one-per-run': async () => {
      const out = new Float32Array(B * DIM);
      for (let i = 0; i < B; i++) out.set(await run(original, 'pixel_values', 'image_embeds', i, 1), i * DIM);
      return out;
    },
    'per-row-dq': () => run(perRow, 'pixel_values', 'image_embeds', 0, B),
    scan: () => run(scan, 'images', 'embeddings', 0, B),
    batched: () => run(original, 'pixel_values', 'image_embeds', 0, B),
  };
  const reference = await candidates['one-per-run']();
  const identical: Record<string, boolean> = {};
  for (const [id, f] of Object.entries(candidates)) {
    const e = await f();
    identical[id] = Buffer.compare(Buffer.from(e.buffer, e.byteOffset, e.byteLength), Buffer.from(reference.buffer)) === 0;
  }
  const speeds: Record<string, number[]> = {};
  for (let k = 0; k < Number(values.rounds); k++) {
    for (const [id, f] of Object.entries(candidates)) {
      const t0 = performance.now();
      await f();
      (speeds[id] ??= []).push(B / ((performance.now() - t0) / 1000));
    }
  }
  for (const id of Object.keys(candidates)) {
    console.log(`${id.padEnd(12)} ${median(speeds[id]).toFixed(1).padStart(6)} img/s  [${speeds[id].map((x) => x.toFixed(1)).join(' ')}]  bit-identical to one-per-run: ${identical[id]}`);
  }
  console.log(`batch ${B}, ${values.threads} threads, ${values.rounds} rounds`);
}

await main();
