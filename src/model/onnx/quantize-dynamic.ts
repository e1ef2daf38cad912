/**
 * Dynamic int8 quantization, the pattern of onnxruntime's `quantize_dynamic` (IntegerOps mode,
 * onnxruntime/python/tools/quantization/operators/matmul.py `MatMulInteger`, quant_utils.py):
 *
 *   x ─ DynamicQuantizeLinear ─ x_q (uint8), x_scale, x_zero_point
 *   MatMulInteger(x_q, W_q, x_zero_point, W_zero_point) ─ Cast(float) ─ Mul(x_scale · W_scale) ─ y
 *
 * Weights are int8, symmetric (zero point 0): scale = max|w| / 127 over the tensor, or per output
 * column with perChannel (quantize_dynamic's default weight_type QInt8, reduce_range off, symmetric
 * range [-127, 127]; quantize_nparray rounds half to even). An activation feeding several MatMuls is
 * quantized once. onnxruntime fuses this pattern into DynamicQuantizeMatMul at session load.
 *
 * Quantized: MatMul whose B is a 2-D float32 initializer; Gemm with transA = 0 and a constant B (alpha
 * folds into the scale, transB into the stored weight, C becomes an Add); with `conv`, Conv with a
 * constant weight, as ConvInteger (operators/conv.py). Anything else (Gather tables, activation × activation MatMuls)
 * is left float.
 */
import { makeTensor } from './builder.ts';
import { AttributeType, DataType } from './schema.ts';
import type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto } from './schema.ts';
import { floatValues } from './tensor-data.ts';

export interface QuantizeOptions {
  /** One scale per output column (Conv: output channel) instead of one per tensor. */
  perChannel?: boolean;
  /**
   * Also Conv → ConvInteger. Off by default: on onnxruntime's CPU provider ConvInteger is not fused and
   * ran slower than the float Conv in bench/convert-speed.ts, and quantizing raw pixels per tensor cost
   * the demo model accuracy (min cosine 0.95).
   */
  conv?: boolean;
}

export interface QuantizeResult {
  /** The MatMul/Gemm/Conv nodes rewritten. */
  quantized: { node: string; op: string }[];
  /** MatMul/Gemm/Conv nodes left in float, with why. */
  skipped: { node: string; reason: string }[];
}

export interface QuantizedWeight {
  q: Int8Array;
  /** One scale, or one per column. */
  scale: Float32Array;
}

/** numpy.rint: round half to even. */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Symmetric int8 quantization of `w`, one scale per group (`groupOf(i)` is element i's group).
 * compute_scale_zp: scale = (rmax - rmin) / (qmax - qmin) = 2·max|w| / 254; a zero range gets scale 1.
 */
function quantizeSymmetric(w: Float32Array, groups: number, groupOf: (i: number) => number): QuantizedWeight {
  const absMax = new Float32Array(groups);
  for (let i = 0; i < w.length; i++) {
    const g = groupOf(i);
    const a = Math.abs(w[i]);
    if (a > absMax[g]) absMax[g] = a;
  }
  const scale = Float32Array.from(absMax, (m) => (m > 0 ? Math.fround((2 * m) / 254) : 1));
  const q = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) q[i] = Math.max(-127, Math.min(127, rint(w[i] / scale[groupOf(i)])));
  return { q, scale };
}

/** A row-major [K, N] MatMul weight; per output column when perChannel. */
export function quantizeWeight(w: Float32Array, k: number, n: number, perChannel: boolean): QuantizedWeight {
  return perChannel ? quantizeSymmetric(w, n, (i) => i % n) : quantizeSymmetric(w, 1, () => 0);
}

/** A Conv weight [M, C/group, kH, kW, …]; per output channel (axis 0, as onnxruntime) when perChannel. */
export function quantizeConvWeight(w: Float32Array, m: number, perChannel: boolean): QuantizedWeight {
  const per = w.length / m;
  return perChannel ? quantizeSymmetric(w, m, (i) => Math.floor(i / per)) : quantizeSymmetric(w, 1, () => 0);
}

function attr(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}

function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = w[i * cols + j];
  return out;
}

const castToFloat: AttributeProto = { name: 'to', type: AttributeType.INT, i: DataType.FLOAT };

/** Rewrite `model` in place. Needs default-domain opset ≥ 11 (DynamicQuantizeLinear). */
export function quantizeDynamic(model: ModelProto, opts: QuantizeOptions = {}): QuantizeResult {
  const perChannel = opts.perChannel ?? false;
  const ops = ['MatMul', 'Gemm', ...(opts.conv ? ['Conv'] : [])];
  const opset = model.opset_import.find((o) => (o.domain ?? '') === '')?.version ?? 0;
  if (opset < 11) throw new Error(`opset ${opset}: DynamicQuantizeLinear needs opset 11 or newer`);
  const g = model.graph;
  const inits = new Map<string, TensorProto>((g.initializer ?? []).map((t) => [t.name ?? '', t]));
  const graphInputs = new Set(g.input.map((i) => i.name));
  const taken = new Set<string>([...g.node.flatMap((n) => [...n.input, ...n.output, n.name ?? '']), ...inits.keys()]);
  const fresh = (base: string) => {
    let name = base;
    for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    return name;
  };
  // How many readers each value has (nodes here and in subgraphs, graph outputs): a float weight is
  // dropped only when its last reader was quantized.
  const uses = new Map<string, number>();
  const count = (graph: GraphProto) => {
    for (const o of graph.output) uses.set(o.name, (uses.get(o.name) ?? 0) + 1);
    for (const n of graph.node) {
      for (const i of n.input) uses.set(i, (uses.get(i) ?? 0) + 1);
      for (const at of n.attribute ?? []) for (const sub of [...(at.g ? [at.g] : []), ...(at.graphs ?? [])]) count(sub);
    }
  };
  count(g);
  const replaced = new Set<string>();

  const result: QuantizeResult = { quantized: [], skipped: [] };
  const newInits: TensorProto[] = [];
  const dynamicQuant = new Map<string, { q: string; scale: string; zero: string }>();
  const out: NodeProto[] = [];

  /** DynamicQuantizeLinear of activation `a`, once per activation. */
  const quantizedActivation = (a: string) => {
    let dq = dynamicQuant.get(a);
    if (!dq) {
      dq = { q: fresh(`${a}_quantized`), scale: fresh(`${a}_scale`), zero: fresh(`${a}_zero_point`) };
      out.push({ name: fresh(`${a}_QuantizeLinear`), op_type: 'DynamicQuantizeLinear', input: [a], output: [dq.q, dq.scale, dq.zero] });
      dynamicQuant.set(a, dq);
    }
    return dq;
  };
  const release = (name: string) => {
    uses.set(name, (uses.get(name) ?? 1) - 1);
    replaced.add(name);
  };

  /**
   * Conv → ConvInteger (operators/conv.py): the same scales as MatMul, the per-channel scale shaped
   * [M, 1, …] to broadcast over the output's channel axis. The weight zero point is a scalar 0 (the
   * weights are symmetric, so one zero serves every channel). The bias stays float, added after the
   * rescale, rather than quantized to int32.
   */
  const quantizeConv = (node: NodeProto, a: string, wName: string, bias: string | undefined, w: TensorProto) => {
    const dims = w.dims as number[];
    const m = dims[0];
    const spatial = dims.length - 2;
    const qw = quantizeConvWeight(floatValues(w), m, perChannel);
    const stem = fresh(`${wName}_quantized`);
    const wScale = fresh(`${wName}_scale`);
    const wZero = fresh(`${wName}_zero_point`);
    const channelShape = [m, ...new Array(spatial).fill(1)];
    newInits.push(makeTensor(stem, qw.q, dims, 'int8'));
    newInits.push(makeTensor(wScale, qw.scale, perChannel ? channelShape : []));
    newInits.push(makeTensor(wZero, new Int8Array(1), []));
    const dq = quantizedActivation(a);
    const base = node.name || node.output[0];
    const convOut = fresh(`${node.output[0]}_output_quantized`);
    const castOut = fresh(`${convOut}_cast_output`);
    const scales = fresh(`${base}_quant_scales_mul:0`);
    let biasShaped: string | undefined;
    if (bias) {
      const bt = inits.get(bias);
      if (bt && bt.data_type === DataType.FLOAT) {
        biasShaped = fresh(`${bias}_channels`);
        newInits.push(makeTensor(biasShaped, floatValues(bt), channelShape));
        release(bias);
      } else {
        // A computed bias: reshape it in the graph.
        const shape = fresh(`${bias}_channel_shape`);
        newInits.push(makeTensor(shape, BigInt64Array.from(channelShape, BigInt), [channelShape.length]));
        biasShaped = fresh(`${bias}_channels`);
        out.push({ name: fresh(`${base}_bias_reshape`), op_type: 'Reshape', input: [bias, shape], output: [biasShaped] });
      }
    }
    const y = biasShaped ? fresh(`${node.output[0]}_before_bias`) : node.output[0];
    out.push({ name: fresh(`${base}_quant`), op_type: 'ConvInteger', input: [dq.q, stem, dq.zero, wZero], output: [convOut], attribute: node.attribute ?? [] });
    out.push({ name: fresh(`${convOut}_cast`), op_type: 'Cast', input: [convOut], output: [castOut], attribute: [castToFloat] });
    out.push({ name: fresh(`${base}_quant_scales_mul`), op_type: 'Mul', input: [dq.scale, wScale], output: [scales] });
    out.push({ name: fresh(`${base}_quant_output_scale_mul`), op_type: 'Mul', input: [castOut, scales], output: [y] });
    if (biasShaped) out.push({ name: fresh(`${base}_bias_add`), op_type: 'Add', input: [y, biasShaped], output: [node.output[0]] });
    result.quantized.push({ node: node.name || node.output[0], op: 'Conv' });
    release(wName);
  };

  for (const node of g.node) {
    if ((node.domain ?? '') !== '' || !ops.includes(node.op_type)) {
      out.push(node);
      continue;
    }
    const label = node.name || node.output[0];
    const skip = (reason: string) => {
      result.skipped.push({ node: label, reason });
      out.push(node);
    };
    const [a, b, c] = node.input;
    const w = inits.get(b);
    if (!w || graphInputs.has(b)) {
      skip('B is not a constant initializer');
      continue;
    }
    if (node.op_type === 'Conv') {
      if (w.data_type !== DataType.FLOAT || (w.dims ?? []).length < 3) {
        skip('W is not a float32 convolution weight');
        continue;
      }
      quantizeConv(node, a, b, c, w);
      continue;
    }
    if (w.data_type !== DataType.FLOAT || (w.dims ?? []).length !== 2) {
      skip('B is not a 2-D float32 weight');
      continue;
    }
    let [k, n] = w.dims as number[];
    let values = floatValues(w);
    let alpha = 1;
    let bias: string | undefined;
    if (node.op_type === 'Gemm') {
      if ((attr(node, 'transA')?.i ?? 0) !== 0) {
        skip('Gemm with transA');
        continue;
      }
      alpha = attr(node, 'alpha')?.f ?? 1;
      const beta = attr(node, 'beta')?.f ?? 1;
      if (attr(node, 'transB')?.i) {
        values = transpose(values, k, n);
        [k, n] = [n, k];
      }
      if (c) {
        if (beta !== 1) {
          const ct = inits.get(c);
          if (!ct || ct.data_type !== DataType.FLOAT) {
            skip('Gemm with beta ≠ 1 and a non-constant C');
            continue;
          }
          bias = fresh(`${c}_beta`);
          newInits.push(makeTensor(bias, Float32Array.from(floatValues(ct), (v) => v * beta), ct.dims ?? []));
          release(c);
        } else bias = c;
      }
    }
    const qw = quantizeWeight(values, k, n, perChannel);
    const stem = fresh(`${b}_quantized`);
    const wScale = fresh(`${b}_scale`);
    const wZero = fresh(`${b}_zero_point`);
    newInits.push(makeTensor(stem, qw.q, [k, n], 'int8'));
    const scale = alpha === 1 ? qw.scale : Float32Array.from(qw.scale, (s) => s * alpha);
    newInits.push(makeTensor(wScale, scale, perChannel ? [n] : []));
    newInits.push(makeTensor(wZero, new Int8Array(perChannel ? n : 1), perChannel ? [n] : []));

    const dq = quantizedActivation(a);
    const base = node.name || node.output[0];
    const mmOut = fresh(`${node.output[0]}_output_quantized`);
    const castOut = fresh(`${mmOut}_cast_output`);
    const scales = fresh(`${base}_quant_scales_mul:0`);
    const y = bias ? fresh(`${node.output[0]}_before_bias`) : node.output[0];
    out.push({ name: fresh(`${base}_quant`), op_type: 'MatMulInteger', input: [dq.q, stem, dq.zero, wZero], output: [mmOut] });
    out.push({ name: fresh(`${mmOut}_cast`), op_type: 'Cast', input: [mmOut], output: [castOut], attribute: [castToFloat] });
    out.push({ name: fresh(`${base}_quant_scales_mul`), op_type: 'Mul', input: [dq.scale, wScale], output: [scales] });
    out.push({ name: fresh(`${base}_quant_output_scale_mul`), op_type: 'Mul', input: [castOut, scales], output: [y] });
    if (bias) out.push({ name: fresh(`${base}_bias_add`), op_type: 'Add', input: [y, bias], output: [node.output[0]] });
    result.quantized.push({ node: label, op: node.op_type });
    release(b);
  }
  g.node = out;
  // Float weights no node reads any more are dropped (the file would otherwise keep both copies).
  const dropped = (name: string) => replaced.has(name) && (uses.get(name) ?? 0) === 0;
  g.initializer = [...(g.initializer ?? []).filter((t) => !dropped(t.name ?? '')), ...newInits];
  return result;
}
