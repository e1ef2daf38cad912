/**
 * Per-image dynamic quantisation: rewrite every DynamicQuantizeLinear of an image tower so that it takes
 * one scale and zero point per batch row (per image) instead of one for the whole batch, so a batched run
 * computes, row for row, what one image per run computes (DynamicQuantizeLinear's scale would otherwise
 * make an image's embedding depend on its batch-mates).
 *
 * The per-row values are computed the way onnxruntime's CPU kernel computes the per-tensor ones
 * (onnxruntime/core/providers/cpu/quantization/dynamicquantizelinear.cc → GetQuantizationParameter in
 * core/util/qmath.h, and MlasQuantizeLinear in core/mlas/lib/quantize.cpp), op for op in float32:
 *
 *   min = min(0, min x), max = max(0, max x)                 ReduceMin/ReduceMax per row, Min/Max with 0
 *   scale = max == min ? 1 : (max − min) / 255               Sub, Div, Equal, Where
 *   zp = RoundHalfToEven(clamp(0 − min / scale, 0, 255))     Div, Sub, Clip, Round, Cast(uint8)
 *   q = saturate(RoundHalfToEven(x / scale) + zp)            QuantizeLinear(axis 0), which runs the same MLAS
 *                                                            kernel (it divides by the scale) once per row
 *
 * ONNX MatMulInteger takes one A zero point per tensor in onnxruntime, so the product is taken with none
 * and the zero point subtracted exactly in int32: Σ_k (q − zp)(W − wzp) = Σ_k q(W − wzp) − zp · Σ_k (W − wzp),
 * the column sums Σ_k (W − wzp) precomputed from the constant weight. ConvInteger the same, with the sums
 * over each output channel's kernel, but only without padding (every window then covers real inputs only). The scale, reshaped to [N, 1, …, 1]
 * (rank of the activation), broadcasts through the Mul(a_scale, w_scale) → Mul(Cast(acc), ·) that
 * quantize_dynamic emits (operators/matmul.py), each float product the same as at batch 1.
 *
 * Only that pattern is rewritten: a DynamicQuantizeLinear whose q and zero point feed only MatMulIntegers
 * with a constant 2-D weight (or unpadded ConvIntegers with a constant weight), and whose scale feeds only
 * Muls by a constant of lower rank than the activation (then only Muls with those nodes' Cast) or the Cast
 * itself. Anything else (padded ConvInteger, a scale used elsewhere, opset
 * < 13 for per-axis QuantizeLinear, weights in external data) is reported, and the caller keeps one image
 * per run. The reshape to [N, 1, …] takes N from the image input, so an activation whose axis 0 is not the
 * image batch (e.g. flattened to [N·tokens, D]) fails at run time instead of quantising per token.
 */
import { makeTensor } from './builder.ts';
import { AttributeType, DataType } from './schema.ts';
import type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto } from './schema.ts';
import { byteValues, elementCount, isExternal } from './tensor-data.ts';

/** `added`: the initializers the rewrite appended to the graph (for onnx/splice.ts). */
export type PerRowResult = { rewritten: number; added: TensorProto[] } | { unsupported: string };

interface Use {
  node: NodeProto;
  index: number;
}

const ints = (name: string, v: number[]): AttributeProto => ({ name, type: AttributeType.INTS, ints: v });
const int = (name: string, v: number): AttributeProto => ({ name, type: AttributeType.INT, i: v });

/** Every name a subgraph (If/Loop/Scan body) reads: values used there are left alone. */
function subgraphNames(g: GraphProto, into = new Set<string>()): Set<string> {
  for (const n of g.node) {
    for (const a of n.attribute ?? []) {
      for (const sub of [...(a.g ? [a.g] : []), ...(a.graphs ?? [])]) {
        for (const m of sub.node) for (const i of m.input) into.add(i);
        subgraphNames(sub, into);
      }
    }
  }
  return into;
}

/**
 * Σ (W − wzp) per output: per column j of a MatMul weight [K, J], or per output channel m of a Conv weight
 * [M, C/group, k…]; as int32 (exact: |Σ| ≤ 255 · K).
 */
function weightSums(w: TensorProto, zp: TensorProto | undefined, conv: boolean): Int32Array {
  const dims = w.dims as number[];
  const outputs = conv ? dims[0] : dims[1];
  const per = elementCount(w) / outputs;
  const raw = w.raw_data && w.raw_data.length ? w.raw_data : undefined;
  // Read in place (a ViT-B/32 holds ~88M weights): signed view for int8, the bytes themselves for uint8.
  const values = raw ? (w.data_type === DataType.INT8 ? new Int8Array(raw.buffer, raw.byteOffset, raw.length) : raw) : byteValues(w);
  if (values.length !== outputs * per) throw new Error(`tensor "${w.name}": ${values.length} values for [${dims.join(', ')}]`);
  const z = zp ? byteValues(zp) : new Int32Array(1);
  const sums = new Int32Array(outputs);
  if (conv) {
    for (let m = 0; m < outputs; m++) for (let i = m * per; i < (m + 1) * per; i++) sums[m] += values[i];
  } else {
    for (let r = 0; r < per; r++) {
      const row = r * outputs;
      for (let c = 0; c < outputs; c++) sums[c] += values[row + c];
    }
  }
  for (let c = 0; c < outputs; c++) sums[c] -= per * z[z.length === 1 ? 0 : c];
  return sums;
}

/** A ConvInteger whose every window covers real inputs only (no padding), so a zero point can be taken out after. */
function unpadded(node: NodeProto): boolean {
  const attr = (name: string) => node.attribute?.find((a) => a.name === name);
  const autoPad = attr('auto_pad')?.s;
  const mode = autoPad ? new TextDecoder().decode(autoPad) : 'NOTSET';
  return (mode === 'NOTSET' || mode === 'VALID') && (attr('pads')?.ints ?? []).every((p) => p === 0);
}

/**
 * Rewrite `model` in place (see the file comment); `imageInput` is the graph input whose axis 0 is the
 * image batch. On `unsupported` the model may be partly rewritten: discard it.
 */
export function quantizePerRow(model: ModelProto, imageInput: string): PerRowResult {
  const opset = model.opset_import.find((o) => (o.domain ?? '') === '')?.version ?? 0;
  if (opset < 13) return { unsupported: `opset ${opset}: per-row QuantizeLinear needs opset 13 or newer` };
  const g = model.graph;
  const inits = new Map<string, TensorProto>((g.initializer ?? []).map((t) => [t.name ?? '', t]));
  if ([...inits.values()].some(isExternal)) return { unsupported: 'weights in external data files' };
  const uses = new Map<string, Use[]>();
  for (const node of g.node) node.input.forEach((name, index) => uses.set(name, [...(uses.get(name) ?? []), { node, index }]));
  const outputs = new Set([...g.output.map((o) => o.name), ...subgraphNames(g)]);
  const usesOf = (name: string) => uses.get(name) ?? [];
  const isDefault = (n: NodeProto) => (n.domain ?? '') === '';
  const dqls = g.node.filter((n) => isDefault(n) && n.op_type === 'DynamicQuantizeLinear');

  // Check every DynamicQuantizeLinear first, so an unsupported graph is not half rewritten.
  const plans: { dql: NodeProto; matmuls: NodeProto[]; scaleMuls: NodeProto[] }[] = [];
  const rank = (t: TensorProto) => (t.dims ?? []).length;
  for (const dql of dqls) {
    const [x] = dql.input;
    const [q, s, zp] = dql.output;
    const label = `DynamicQuantizeLinear "${dql.name || q}"`;
    if (!q || !s || !zp || [q, s, zp].some((o) => outputs.has(o))) return { unsupported: `${label}: an output is a graph output, unused or read by a subgraph` };
    const matmuls = usesOf(q).map((u) => u.node);
    // The activation's rank, as far as the weights tell: a MatMul's is at least 2, a Conv's its weight's.
    let activationRank = Infinity;
    for (const u of usesOf(q)) {
      const mm = u.node;
      const conv = mm.op_type === 'ConvInteger';
      if (!isDefault(mm) || (mm.op_type !== 'MatMulInteger' && !conv) || u.index !== 0 || mm.input[2] !== zp) return { unsupported: `${label}: its output feeds ${mm.op_type} "${mm.name}", not MatMulInteger or ConvInteger with its zero point` };
      if (conv && !unpadded(mm)) return { unsupported: `${label}: ConvInteger "${mm.name}" pads its input (a per-row zero point cannot be taken out through padding)` };
      const w = inits.get(mm.input[1]);
      if (!w || (conv ? rank(w) < 3 : rank(w) !== 2) || (w.data_type !== DataType.INT8 && w.data_type !== DataType.UINT8)) return { unsupported: `${label}: ${mm.op_type} "${mm.name}" has no constant int8 weight` };
      const outputs = (w.dims as number[])[conv ? 0 : 1];
      const wzp = mm.input[3] ? inits.get(mm.input[3]) : undefined;
      if (mm.input[3] && (!wzp || (elementCount(wzp) !== 1 && elementCount(wzp) !== outputs))) return { unsupported: `${label}: ${mm.op_type} "${mm.name}" has no constant weight zero point` };
      activationRank = Math.min(activationRank, conv ? rank(w) : 2);
    }
    if (usesOf(zp).some((u) => !matmuls.includes(u.node) || u.index !== 2)) return { unsupported: `${label}: its zero point is read elsewhere` };
    const casts = new Set(matmuls.flatMap((mm) => usesOf(mm.output[0]).filter((u) => u.node.op_type === 'Cast').map((u) => u.node.output[0])));
    const other = (n: NodeProto, name: string) => (n.input[0] === name ? n.input[1] : n.input[0]);
    const scaleMuls: NodeProto[] = [];
    for (const u of usesOf(s)) {
      const mul = u.node;
      if (!isDefault(mul) || mul.op_type !== 'Mul') return { unsupported: `${label}: its scale feeds ${mul.op_type} "${mul.name}"` };
      const c = other(mul, s);
      const constant = inits.get(c);
      const ok = casts.has(c) ||
        // A constant of lower rank than the activation cannot broadcast onto its axis 0 (the images).
        (constant !== undefined && rank(constant) < activationRank && !outputs.has(mul.output[0]) &&
          usesOf(mul.output[0]).every((v) => isDefault(v.node) && v.node.op_type === 'Mul' && casts.has(other(v.node, mul.output[0]))));
      if (!ok) return { unsupported: `${label}: its scale meets "${c}" in Mul "${mul.name}", not a per-output constant and the MatMulInteger/ConvInteger output` };
      scaleMuls.push(mul);
    }
    plans.push({ dql, matmuls, scaleMuls });
  }
  if (!plans.length) return { unsupported: 'no DynamicQuantizeLinear' };

  const taken = new Set<string>([...g.node.flatMap((n) => [...n.input, ...n.output, n.name ?? '']), ...inits.keys(), ...g.input.map((i) => i.name)]);
  const fresh = (base: string) => {
    let name = base;
    for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    return name;
  };
  const newInits: TensorProto[] = [];
  const constant = (base: string, data: Float32Array | BigInt64Array | Int32Array, dims: number[]) => {
    const name = fresh(base);
    newInits.push(makeTensor(name, data, dims));
    return name;
  };
  // Nodes go to `sink`: the shared batch-size nodes, then each DynamicQuantizeLinear's replacement.
  let sink: NodeProto[] = [];
  const node = (op: string, input: string[], base: string, attribute: AttributeProto[] = []): string => {
    const out = fresh(base);
    sink.push({ name: fresh(`${base}_${op}`), op_type: op, domain: '', input, output: [out], attribute });
    return out;
  };
  const shared = sink;
  // Shared: the image batch N (as [1]), [0, −1], constants.
  const zeroF = constant('per_row_zero', new Float32Array([0]), []);
  const oneF = constant('per_row_one', new Float32Array([1]), []);
  const qmax = constant('per_row_255', new Float32Array([255]), []);
  const flat = constant('per_row_flat_shape', BigInt64Array.from([0n, -1n]), [2]);
  const i0 = constant('per_row_0', BigInt64Array.from([0n]), [1]);
  const i1 = constant('per_row_1', BigInt64Array.from([1n]), [1]);
  const iEnd = constant('per_row_end', BigInt64Array.from([BigInt(Number.MAX_SAFE_INTEGER)]), [1]);
  const n = node('Slice', [node('Shape', [imageInput], 'per_row_image_shape'), i0, i1], 'per_row_batch');
  const reduce = (op: string, x: string, base: string) =>
    opset >= 18 ? node(op, [x, i1], base, [int('keepdims', 0)]) : node(op, [x], base, [ints('axes', [1]), int('keepdims', 0)]);

  const replace = new Map<NodeProto, NodeProto[]>();
  for (const { dql, matmuls, scaleMuls } of plans) {
    const head: NodeProto[] = (sink = []);
    const [x] = dql.input;
    const [q, s] = dql.output;
    const rows = node('Reshape', [x, flat], `${x}_rows`);
    const min = node('Min', [reduce('ReduceMin', rows, `${x}_row_min`), zeroF], `${x}_row_min0`);
    const max = node('Max', [reduce('ReduceMax', rows, `${x}_row_max`), zeroF], `${x}_row_max0`);
    const range = node('Div', [node('Sub', [max, min], `${x}_row_range`), qmax], `${x}_row_range_255`);
    const scale = node('Where', [node('Equal', [max, min], `${x}_row_empty`), oneF, range], `${x}_row_scale`);
    const initialZp = node('Sub', [zeroF, node('Div', [min, scale], `${x}_row_min_scaled`)], `${x}_row_initial_zp`);
    const zpF = node('Round', [node('Clip', [initialZp, zeroF, qmax], `${x}_row_zp_clipped`)], `${x}_row_zp_rounded`);
    const zpU8 = node('Cast', [zpF], `${x}_row_zero_point`, [int('to', DataType.UINT8)]);
    head.push({ name: fresh(`${q}_per_row`), op_type: 'QuantizeLinear', domain: '', input: [x, scale, zpU8], output: [q], attribute: [int('axis', 0)] });
    // [N, 1, …, 1] of the activation's rank; N from the image input, so a non-batch axis 0 fails to reshape.
    const tail = node('Slice', [node('Shape', [x], `${x}_shape`), i1, iEnd], `${x}_shape_tail`);
    const ones = node('ConstantOfShape', [node('Shape', [tail], `${x}_rank_minus_1`)], `${x}_ones`, [
      { name: 'value', type: AttributeType.TENSOR, t: makeTensor('', BigInt64Array.from([1n]), [1]) },
    ]);
    const target = node('Concat', [n, ones], `${x}_row_broadcast_shape`, [int('axis', 0)]);
    const scaleRows = node('Reshape', [scale, target], s);
    const zpRows = node('Reshape', [node('Cast', [zpU8], `${x}_row_zero_point_i32`, [int('to', DataType.INT32)]), target], `${x}_row_zero_point_rows`);
    for (const mul of scaleMuls) mul.input = mul.input.map((i) => (i === s ? scaleRows : i));
    for (const mm of matmuls) {
      const [, w, , wzp] = mm.input;
      const weight = inits.get(w)!;
      const conv = mm.op_type === 'ConvInteger';
      // Per column [J] for MatMul; per output channel [M, 1, …] for Conv (output [N, M, spatial…]).
      const shape = conv ? [(weight.dims as number[])[0], ...new Array(rank(weight) - 2).fill(1)] : [(weight.dims as number[])[1]];
      const sums = constant(`${w}_sums`, weightSums(weight, wzp ? inits.get(wzp) : undefined, conv), shape);
      const acc = fresh(`${mm.output[0]}_without_zero_point`);
      const correction = fresh(`${mm.output[0]}_zero_point_correction`);
      // In the MatMulInteger's place: after everything it reads, before its readers.
      replace.set(mm, [
        { ...mm, input: [q, w, '', ...(wzp ? [wzp] : [])], output: [acc] },
        { name: fresh(`${correction}_Mul`), op_type: 'Mul', domain: '', input: [zpRows, sums], output: [correction] },
        { name: fresh(`${mm.output[0]}_Sub`), op_type: 'Sub', domain: '', input: [acc, correction], output: [mm.output[0]] },
      ]);
    }
    replace.set(dql, head);
  }
  // The shared batch-size nodes first: they read only the image input.
  g.node = [...shared, ...g.node.flatMap((nd) => replace.get(nd) ?? [nd])];
  g.initializer = [...(g.initializer ?? []), ...newInits];
  return { rewritten: plans.length, added: newInits };
}
