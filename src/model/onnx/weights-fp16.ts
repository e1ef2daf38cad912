/**
 * fp32 → fp16 weights, graph I/O kept float32: each float32 initializer is stored as float16 and
 * cast back to float32 by a Cast node in front of the graph, so every op still computes in float32.
 * This is weight-only half precision (the file halves; accuracy is that of rounding the weights);
 * onnxruntime's CPU provider lacks float16 kernels for most ops, so fp16 *compute*
 * (onnxconverter-common's convert_float_to_float16 with keep_io_types) would not run there.
 * The demo model's fp16 variant is built the same way (src/demo-model/export.ts).
 */
import { float32ToHalfArray } from './fp16.ts';
import { makeTensor } from './builder.ts';
import { AttributeType, DataType } from './schema.ts';
import type { ModelProto, NodeProto } from './schema.ts';
import { elementCount, floatValues } from './tensor-data.ts';

/** Largest finite float16. */
const HALF_MAX = 65504;

export interface Fp16Result {
  /** Initializers stored as float16. */
  converted: number;
  /** float32 initializers left as they were, with why. */
  kept: { name: string; reason: string }[];
}

export interface Fp16Options {
  /** Smaller tensors stay float32: they save nothing and are often exact constants (eps, 1.702). Default 16. */
  minElements?: number;
}

/** Rewrite `model` in place. */
export function convertWeightsToFp16(model: ModelProto, opts: Fp16Options = {}): Fp16Result {
  const minElements = opts.minElements ?? 16;
  const g = model.graph;
  const graphInputs = new Set(g.input.map((i) => i.name));
  const taken = new Set<string>([...g.node.flatMap((n) => [...n.input, ...n.output]), ...(g.initializer ?? []).map((t) => t.name ?? '')]);
  const casts: NodeProto[] = [];
  const result: Fp16Result = { converted: 0, kept: [] };
  const initializers = g.initializer ?? [];
  for (let i = 0; i < initializers.length; i++) {
    const t = initializers[i];
    if (t.data_type !== DataType.FLOAT) continue;
    const name = t.name ?? '';
    // IR < 4 exports list initializers as inputs too: a caller may override them with float32.
    if (graphInputs.has(name)) {
      result.kept.push({ name, reason: 'also a graph input' });
      continue;
    }
    if (elementCount(t) < minElements) {
      result.kept.push({ name, reason: `fewer than ${minElements} values` });
      continue;
    }
    const values = floatValues(t);
    // Out of float16 range (e.g. -1e9 attention-mask fills) would become ±Infinity: keep float32.
    if (values.some((v) => !Number.isFinite(v) || Math.abs(v) > HALF_MAX)) {
      result.kept.push({ name, reason: 'values outside the float16 range' });
      continue;
    }
    let half = `${name}_fp16`;
    for (let k = 1; taken.has(half); k++) half = `${name}_fp16_${k}`;
    taken.add(half);
    initializers[i] = makeTensor(half, float32ToHalfArray(values), t.dims ?? [], 'float16');
    casts.push({ name: `${half}_cast`, op_type: 'Cast', domain: '', input: [half], output: [name], attribute: [{ name: 'to', type: AttributeType.INT, i: DataType.FLOAT }] });
    result.converted++;
  }
  g.node = [...casts, ...g.node];
  return result;
}
