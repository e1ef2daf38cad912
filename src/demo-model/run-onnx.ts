/** Run an in-memory ONNX graph over an image set in batches (single-threaded session). */
import * as ort from 'onnxruntime-node';
import { INPUT_SIZE, toPixelValues, type ImageSet, type ToInputOptions } from './images.ts';

export async function createSession(model: Uint8Array, threads = 1): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
}

/** Features for images `indices` of `set` (default all) → rows × dim Float32Array. */
export async function encodeImages(
  session: ort.InferenceSession,
  set: ImageSet,
  opts: ToInputOptions & { indices?: ArrayLike<number>; batch?: number; output?: string } = {},
): Promise<{ features: Float32Array; dim: number }> {
  const idx = opts.indices ?? Array.from({ length: set.n }, (_, i) => i);
  const B = opts.batch ?? 256;
  const plane = 3 * INPUT_SIZE * INPUT_SIZE;
  const input = session.inputNames[0];
  const outName = opts.output ?? session.outputNames[0];
  let out: Float32Array | undefined;
  let dim = 0;
  for (let s = 0; s < idx.length; s += B) {
    const m = Math.min(B, idx.length - s);
    const x = new Float32Array(m * plane);
    for (let j = 0; j < m; j++) toPixelValues(set, idx[s + j], x, j * plane, opts);
    const res = await session.run({ [input]: new ort.Tensor('float32', x, [m, 3, INPUT_SIZE, INPUT_SIZE]) });
    const t = res[outName];
    dim = Number(t.dims[1]);
    out ??= new Float32Array(idx.length * dim);
    out.set(t.data as Float32Array, s * dim);
  }
  return { features: out ?? new Float32Array(0), dim };
}
