/**
 * The logistic-regression loss and gradient with the two heavy products (X·Wᵀ and Rᵀ·X) on
 * onnxruntime's CPU GEMM (MLAS: vectorised, optionally multi-threaded), in float64 throughout so the
 * iterates match the JS kernel to rounding. X and the labels are bound once per training set; each
 * evaluation passes only W and b, so a C sweep reuses everything but the parameters.
 * Runs synchronously on the native binding (see ort-native.ts).
 */
import { GraphBuilder } from '../../model/onnx/builder.ts';
import { FLOAT64_THREADS, float32Threads, loadOrt, nativeSession, type NativeSession } from './ort-native.ts';

export { ortAvailable } from './ort-native.ts';

/** From logits z [n, m] and labels y [n, 1]: nll = −Σ_i log softmax(z)[i, y_i] and R = softmax(z) − onehot(y). */
function softmaxResidual(g: GraphBuilder, dtype: 'float64' | 'float32' = 'float64'): void {
  g.initializer('one', dtype === 'float64' ? new Float64Array([1]) : new Float32Array([1]), [1]);
  g.initializer('axis0', new BigInt64Array([0n]), [1]);
  g.node('LogSoftmax', ['z'], ['logp'], { axis: 1 });
  g.node('GatherElements', ['logp', 'y'], ['logp_y'], { axis: 1 });
  if (dtype === 'float64') {
    g.node('ReduceSum', ['logp_y'], ['sum_logp_y'], { keepdims: 0 });
    g.node('Neg', ['sum_logp_y'], ['nll']);
    g.output('nll', 'float64', []);
  } else g.output('logp_y', dtype, ['n', 1]);
  g.node('Exp', ['logp'], ['p']);
  g.node('GatherElements', ['p', 'y'], ['p_y'], { axis: 1 });
  g.node('Sub', ['p_y', 'one'], ['r_y']);
  // Scattered in place of a one-hot input, which would cost n·m doubles.
  g.node('ScatterElements', ['p', 'y', 'r_y'], ['r'], { axis: 1 });
  g.node('ReduceSum', ['r', 'axis0'], ['grad_b'], { keepdims: 0 });
  g.output('grad_b', dtype, ['m']);
}

/** z = z_linear + O: fixed per-row logit offsets O [n, m] (the zero-shot-anchored probe's s·W_zs·x_i; solver.ts `offsets`). */
function addOffsets(g: GraphBuilder, dtype: 'float64' | 'float32'): void {
  g.input('O', dtype, ['n', 'm']);
  g.node('Add', ['z_linear', 'O'], ['z']);
}

/**
 * z = X Wᵀ + b (+ O, with offsets); nll and R as in softmaxResidual; ∇W = Rᵀ X; ∇b = Σ_i R_i. In float32 (MLAS SGEMM: about
 * 2.5× float64's speed per core) the per-row log-likelihoods come back unsummed and are added in float64,
 * so the loss keeps float64 summation; each term and the gradient carry float32 rounding (relative 1e-7),
 * far below sklearn's tolerance but too coarse to finish a fit at large C, which is why float32 fits end
 * with a float64 polish (see solver.ts).
 */
function lossGraph(dtype: 'float64' | 'float32' = 'float64', withOffsets = false): Uint8Array {
  const g = new GraphBuilder(`logistic_regression_loss${dtype === 'float64' ? '' : '_f32'}${withOffsets ? '_offsets' : ''}`);
  g.input('X', dtype, ['n', 'd']);
  g.input('y', 'int64', ['n', 1]);
  g.input('W', dtype, ['m', 'd']);
  g.input('b', dtype, ['m']);
  g.node('Gemm', ['X', 'W', 'b'], [withOffsets ? 'z_linear' : 'z'], { transB: 1 });
  if (withOffsets) addOffsets(g, dtype);
  softmaxResidual(g, dtype);
  g.node('Gemm', ['r', 'X'], ['grad_W'], { transA: 1 });
  g.output('grad_W', dtype, ['m', 'd']);
  return g.toModelBytes({ opset: 17 });
}

// One session per (precision, offsets, thread count) and per worker thread: the graph has symbolic shapes,
// so it serves every training set.
const sessions = new Map<string, NativeSession>();

function sessionFor(dtype: 'float64' | 'float32', withOffsets: boolean, threads: number): NativeSession {
  const key = `${dtype}/${withOffsets}/${threads}`;
  let s = sessions.get(key);
  if (!s) {
    s = nativeSession(lossGraph(dtype, withOffsets), threads);
    sessions.set(key, s);
  }
  return s;
}

/** A fit's fixed feeds: the rows' tensors (`rows`), the labels, and the offsets in the graph's precision. */
function fitFeeds(dtype: 'float64' | 'float32', y: Int32Array, n: number, m: number, offsets: Float64Array | undefined, rows: Record<string, unknown>): Record<string, unknown> {
  const T = loadOrt()!.Tensor;
  const feeds: Record<string, unknown> = { ...rows, y: new T('int64', BigInt64Array.from(y, (v) => BigInt(v)), [n, 1]) };
  if (offsets) feeds.O = new T(dtype, dtype === 'float64' ? offsets : Float32Array.from(offsets), [n, m]);
  return feeds;
}

/** `ortObjective` with float32 products: X (and the offsets) rounded to float32 once per training set, W and b per evaluation. */
export function ortObjective32(X: Float64Array, y: Int32Array, n: number, d: number, m: number, threads: number, offsets?: Float64Array): BoundObjective {
  const ort = loadOrt();
  if (!ort) throw new Error('onnxruntime kernel unavailable: the onnxruntime-node native binding did not load');
  const withOffsets = offsets !== undefined;
  let X32 = float32Copies.get(X);
  if (!X32) {
    X32 = Float32Array.from(X);
    float32Copies.set(X, X32);
  }
  const feeds = fitFeeds('float32', y, n, m, offsets, { X: new ort.Tensor('float32', X32, [n, d]) });
  return bindRun32((t) => sessionFor('float32', withOffsets, t), feeds, n, m, d, threads);
}

/**
 * A float32 graph's run on fixed `feeds` plus W and b rounded to float32, with the per-row
 * log-likelihoods and the L2 penalty summed in float64. The session is looked up per evaluation for the
 * thread count the worker may use now (`float32Threads`).
 */
function bindRun32(sessionFor32: (threads: number) => NativeSession, feeds: Record<string, unknown>, n: number, m: number, d: number, threads: number): BoundObjective {
  const ort = loadOrt()!;
  const fetches = { logp_y: null, grad_W: null, grad_b: null };
  const bOff = m * d;
  const W = new Float32Array(bOff);
  const b = new Float32Array(m);
  return (params: Float64Array, invC: number, grad: Float64Array) => {
    const s = sessionFor32(float32Threads(threads));
    for (let t = 0; t < bOff; t++) W[t] = params[t];
    for (let k = 0; k < m; k++) b[k] = params[bOff + k];
    const out = s.run({ ...feeds, W: new ort.Tensor('float32', W, [m, d]), b: new ort.Tensor('float32', b, [m]) }, fetches, {}) as unknown as Record<string, { data: Float32Array }>;
    const gW = out.grad_W.data;
    let pen = 0;
    for (let t = 0; t < bOff; t++) {
      const w = params[t];
      pen += w * w;
      grad[t] = gW[t] + w * invC;
    }
    const gb = out.grad_b.data;
    for (let k = 0; k < m; k++) grad[bOff + k] = gb[k];
    const lp = out.logp_y.data;
    let nll = 0;
    for (let i = 0; i < n; i++) nll -= lp[i];
    return nll + 0.5 * invC * pen;
  };
}

const float32Copies = new WeakMap<Float64Array, Float32Array>();

/** Same contract as `lossAndGradient` with X, y, n, d, m bound. */
export type BoundObjective = (params: Float64Array, invC: number, grad: Float64Array) => number;

/**
 * Binds a training set ([n, d] row-major float64, labels 0..m−1) to the onnxruntime kernel. X is
 * passed by reference (onnxruntime-node wraps the typed array's memory; nothing is copied per call).
 */
export function ortObjective(X: Float64Array, y: Int32Array, n: number, d: number, m: number, threads: number, offsets?: Float64Array): BoundObjective {
  const ort = loadOrt();
  if (!ort) throw new Error('onnxruntime kernel unavailable: the onnxruntime-node native binding did not load');
  // float64: one thread whatever `threads` says (FLOAT64_THREADS: determinism across thread counts).
  const session = sessionFor('float64', offsets !== undefined, FLOAT64_THREADS);
  void threads;
  return bindRun(session, fitFeeds('float64', y, n, m, offsets, { X: new ort.Tensor('float64', X, [n, d]) }), m, d);
}

/** The session's run on fixed `feeds` plus W and b, with the L2 penalty added in JS. */
function bindRun(session: NativeSession, feeds: Record<string, unknown>, m: number, d: number): BoundObjective {
  const ort = loadOrt()!;
  const fetches = { nll: null, grad_W: null, grad_b: null };
  const bOff = m * d;
  return (params, invC, grad) => {
    const out = session.run(
      { ...feeds, W: new ort.Tensor('float64', params.subarray(0, bOff), [m, d]), b: new ort.Tensor('float64', params.subarray(bOff, bOff + m), [m]) },
      fetches,
      {},
    );
    const gW = out.grad_W.data;
    let pen = 0;
    for (let t = 0; t < bOff; t++) {
      const w = params[t];
      pen += w * w;
      grad[t] = gW[t] + w * invC;
    }
    grad.set(out.grad_b.data, bOff);
    return out.nll.data[0] + 0.5 * invC * pen;
  };
}

/** Training sets of at least this many rows use the staircase graph (below it the blocks are too small to pay). */
export const STAIRCASE_MIN_ROWS = 256;
const STAIRCASE_BLOCKS = 8;

/**
 * The same objective for rows in row-space coordinates Xr = X Qᵀ with Q from Gram–Schmidt on the rows in
 * order: row i has coordinates only in the first rankAfter[i] basis directions (the rest are zero, up to
 * rounding), so Xr is a lower staircase and both products skip the zero part. With 8 row blocks:
 * z_i = Xr[block i, :c_i] · W[:, :c_i]ᵀ, and column block j of ∇W = R[rows ≥ block j]ᵀ · Xr[rows ≥ block j,
 * cols of j]; about 9/16 of the dense products' multiply-adds, the same sums up to rounding. The graph has
 * this training set's shapes, so it is built once per training set (a C sweep reuses it).
 */
export function ortStaircaseObjective(Xr: Float64Array, rankAfter: Int32Array, y: Int32Array, n: number, r: number, m: number, threads: number, offsets?: Float64Array, dtype: 'float64' | 'float32' = 'float64'): BoundObjective {
  const withOffsets = offsets !== undefined;
  const key = `${dtype}/${m}/${withOffsets}`;
  let bySet = staircaseSessions.get(Xr);
  if (!bySet) staircaseSessions.set(Xr, (bySet = new Map()));
  let hit = bySet.get(key);
  if (!hit) bySet.set(key, (hit = staircase(Xr, rankAfter, n, r, m, withOffsets, dtype)));
  if (!hit.graph) return dtype === 'float32' ? ortObjective32(Xr, y, n, r, m, threads, offsets) : ortObjective(Xr, y, n, r, m, threads, offsets);
  const feeds = fitFeeds(dtype, y, n, m, offsets, hit.feeds);
  const stair = hit;
  return dtype === 'float32' ? bindRun32((t) => stair.session(t), feeds, n, m, r, threads) : bindRun(hit.session(FLOAT64_THREADS), feeds, m, r);
}

interface Staircase {
  graph: Uint8Array | null;
  feeds: Record<string, unknown>;
  /** The graph's session for a thread count (float32: the worker's budget may change between evaluations). */
  session: (threads: number) => NativeSession;
}

const staircaseSessions = new WeakMap<Float64Array, Map<string, Staircase>>();

function staircase(Xr: Float64Array, rankAfter: Int32Array, n: number, r: number, m: number, withOffsets: boolean, dtype: 'float64' | 'float32'): Staircase {
  const ort = loadOrt();
  if (!ort) throw new Error('onnxruntime kernel unavailable: the onnxruntime-node native binding did not load');
  const rows = Math.ceil(n / STAIRCASE_BLOCKS);
  const starts: number[] = [];
  const cols: number[] = [];
  for (let s = 0; s < n; s += rows) {
    starts.push(s);
    cols.push(rankAfter[Math.min(n, s + rows) - 1]);
  }
  const none: Staircase = { graph: null, feeds: {}, session: () => { throw new Error('no staircase graph'); } };
  // A block of rows with no coordinates at all (zero rows first) is not worth a special case.
  if (cols[0] === 0 || cols[cols.length - 1] !== r) return none;
  const B = starts.length;
  const end = (i: number) => (i + 1 < B ? starts[i + 1] : n);
  const g = new GraphBuilder(`logistic_regression_loss_staircase${dtype === 'float64' ? '' : '_f32'}`);
  const feeds: Record<string, unknown> = {};
  const bind = (name: string, data: Float64Array, dims: number[]) => {
    g.input(name, dtype, dims);
    feeds[name] = new ort.Tensor(dtype, dtype === 'float64' ? data : Float32Array.from(data), dims);
  };
  const copy = (r0: number, r1: number, c0: number, c1: number): Float64Array => {
    const out = new Float64Array((r1 - r0) * (c1 - c0));
    for (let i = r0; i < r1; i++) out.set(Xr.subarray(i * r + c0, i * r + c1), (i - r0) * (c1 - c0));
    return out;
  };
  g.input('y', 'int64', [n, 1]);
  g.input('W', dtype, [m, r]);
  g.input('b', dtype, [m]);
  g.initializer('zero', new BigInt64Array([0n]), [1]);
  g.initializer('one_axis', new BigInt64Array([1n]), [1]);
  g.initializer('rows_end', new BigInt64Array([BigInt(n)]), [1]);
  const zs: string[] = [];
  for (let i = 0; i < B; i++) {
    bind(`Xrow${i}`, copy(starts[i], end(i), 0, cols[i]), [end(i) - starts[i], cols[i]]);
    g.initializer(`c${i}`, new BigInt64Array([BigInt(cols[i])]), [1]);
    g.node('Slice', ['W', 'zero', `c${i}`, 'one_axis'], [`W${i}`]);
    g.node('Gemm', [`Xrow${i}`, `W${i}`, 'b'], [`z${i}`], { transB: 1 });
    zs.push(`z${i}`);
  }
  g.node('Concat', zs, [withOffsets ? 'z_linear' : 'z'], { axis: 0 });
  if (withOffsets) addOffsets(g, dtype);
  softmaxResidual(g, dtype);
  const gs: string[] = [];
  for (let j = 0; j < B; j++) {
    const c0 = j === 0 ? 0 : cols[j - 1];
    if (cols[j] === c0) continue;
    bind(`Xcol${j}`, copy(starts[j], n, c0, cols[j]), [n - starts[j], cols[j] - c0]);
    g.initializer(`s${j}`, new BigInt64Array([BigInt(starts[j])]), [1]);
    g.node('Slice', ['r', `s${j}`, 'rows_end', 'zero'], [`r${j}`]);
    g.node('Gemm', [`r${j}`, `Xcol${j}`], [`g${j}`], { transA: 1 });
    gs.push(`g${j}`);
  }
  g.node('Concat', gs, ['grad_W'], { axis: 1 });
  g.output('grad_W', dtype, [m, r]);
  const graph = g.toModelBytes({ opset: 17 });
  const sessions = new Map<number, NativeSession>();
  const session = (threads: number) => {
    let s = sessions.get(threads);
    if (!s) sessions.set(threads, (s = nativeSession(graph, threads)));
    return s;
  };
  return { graph, feeds, session };
}
