/**
 * How a vision graph's images go through onnxruntime, and so what an embedding may depend on:
 *
 *   batched      float graphs: a batch per run.
 *   per-row-dq   dynamically quantised graphs (DynamicQuantizeLinear) rewritten to quantise each image on
 *                its own scale and zero point (onnx/per-row-quantize.ts), then batched: each embedding is
 *                bit-identical to one image per run, checked on probe images when the model loads.
 *   one-per-run  dynamically quantised graphs the rewrite does not cover (or --int8-encode one-per-run):
 *                one image per run, since one scale per batch would tie an image's embedding to its batch-mates.
 */
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import type { ImageEncodeMode, Int8EncodeChoice } from './image-encode-modes.ts';
import { quantizePerRow } from './onnx/per-row-quantize.ts';
import { decodeModel } from './onnx/schema.ts';
import { encodeReusingInitializers } from './onnx/splice.ts';
import { readOpTypes } from './onnx/signature.ts';
import { Rng } from '../util/rng.ts';


export interface EncodeModeChoice {
  mode: ImageEncodeMode;
  /** Why an int8 graph runs one image per run (absent otherwise). */
  reason?: string;
  /** The rewritten graph's session (per-row-dq only); the caller releases the original one. */
  session?: ort.InferenceSession;
}

const PROBE_IMAGES = 3;

/** Seeded probe images of very different ranges, so one scale per batch would show. */
function probeImages(per: number): Float32Array {
  const rng = new Rng(20261207);
  const out = new Float32Array(PROBE_IMAGES * per);
  for (let i = 0; i < PROBE_IMAGES; i++) {
    const gain = [0.25, 1, 3][i];
    for (let j = 0; j < per; j++) out[i * per + j] = rng.normal() * gain;
  }
  return out;
}

async function embed(s: ort.InferenceSession, input: string, output: string, pixels: Float32Array, dims: number[]): Promise<Uint8Array> {
  const res = await s.run({ [input]: new ort.Tensor('float32', pixels, dims) }, [output]);
  const data = res[output].data as Float32Array | Uint16Array;
  // The bytes, whatever the output type: compared bit for bit (a float compare would call -0 and 0 equal).
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Is the rewritten session's batch, row for row, bit-identical to the original session run one image at a
 * time? The reason it is not, or undefined when it is.
 */
async function probeDiffers(original: ort.InferenceSession, rewritten: ort.InferenceSession, input: string, output: string, height: number, width: number): Promise<string | undefined> {
  const per = 3 * height * width;
  const pixels = probeImages(per);
  const batched = await embed(rewritten, input, output, pixels, [PROBE_IMAGES, 3, height, width]).catch((e: Error) => e);
  if (batched instanceof Error) return `the rewritten graph failed on a batch of ${PROBE_IMAGES} (${batched.message.split('\n')[0]})`;
  const rowBytes = batched.length / PROBE_IMAGES;
  for (let i = 0; i < PROBE_IMAGES; i++) {
    const alone = await embed(original, input, output, pixels.subarray(i * per, (i + 1) * per), [1, 3, height, width]);
    if (Buffer.compare(alone, batched.subarray(i * rowBytes, (i + 1) * rowBytes)) !== 0) return `on probe images the rewritten graph's batch differed from one image per run (row ${i})`;
  }
  return undefined;
}

/** A graph input or output as the loader read it (clip-model.ts TensorInfo). */
interface GraphTensor {
  name: string;
  type: string;
  shape: readonly (number | string)[];
}

export interface ChooseOptions {
  visionPath: string;
  /** The session of the graph as stored. */
  original: ort.InferenceSession;
  input: GraphTensor;
  output: GraphTensor;
  height: number;
  width: number;
  choice: Int8EncodeChoice;
  /** Opens a session on rewritten graph bytes with the loader's settings. */
  open(bytes: Uint8Array): Promise<ort.InferenceSession>;
}

/** The encode mode of a vision graph, rewriting a dynamically quantised one to per-row quantisation when it can. */
export async function chooseImageEncodeMode(o: ChooseOptions): Promise<EncodeModeChoice> {
  const ops = await readOpTypes(o.visionPath).catch(() => new Set<string>());
  if (!ops.has('DynamicQuantizeLinear')) return { mode: 'batched' };
  const onePerRun = (reason: string): EncodeModeChoice => ({ mode: 'one-per-run', reason });
  if (o.choice === 'one-per-run') return onePerRun('asked for (--int8-encode one-per-run)');
  if (typeof o.input.shape[0] === 'number') return onePerRun(`the input's batch dimension is fixed at ${o.input.shape[0]}`);
  if (o.input.type !== 'float32') return onePerRun(`the input is ${o.input.type}; the per-row rewrite is checked on float32 inputs only`);
  const bytes = await readFile(o.visionPath);
  const model = decodeModel(bytes);
  const r = quantizePerRow(model, o.input.name);
  if ('unsupported' in r) return onePerRun(`the per-row rewrite does not cover this graph: ${r.unsupported}`);
  let session: ort.InferenceSession;
  try {
    session = await o.open(encodeReusingInitializers(bytes, model, r.added));
  } catch (e) {
    return onePerRun(`onnxruntime did not load the rewritten graph (${(e as Error).message.split('\n')[0]})`);
  }
  const differs = await probeDiffers(o.original, session, o.input.name, o.output.name, o.height, o.width);
  if (differs) {
    await session.release();
    return onePerRun(differs);
  }
  return { mode: 'per-row-dq', session };
}
