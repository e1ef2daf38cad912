/**
 * The logistic-regression loss and gradient with the two heavy products (X·Wᵀ and Rᵀ·X) on
 * onnxruntime's CPU GEMM (MLAS: vectorised, optionally multi-threaded), in float64 throughout so the
 * iterates match the JS kernel to rounding. X and the labels are bound once per training set; each
 * evaluation passes only W and b, so a C sweep reuses everything but the parameters.
 *
 * L-BFGS calls the objective synchronously, and onnxruntime-node's public `InferenceSession.run` is a
 * Promise around its native binding's synchronous `run` (onnxruntime-node 1.30 `dist/backend.js`), so
 * this module calls that binding directly. If a future onnxruntime-node moves it, `ortAvailable()` is
 * false and the probe uses the JS kernel (same answers, slower).
 */
import { createRequire } from 'node:module';
import { GraphBuilder } from '../../model/onnx/builder.ts';

interface NativeSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, unknown>, fetches: Record<string, null>, options: object): Record<string, { data: Float64Array }>;
}

interface OrtModule {
  Tensor: new (type: string, data: Float64Array | BigInt64Array, dims: number[]) => unknown;
  native: { InferenceSession: new () => NativeSession };
}

let loaded: OrtModule | null | undefined;

function loadOrt(): OrtModule | null {
  if (loaded !== undefined) return loaded;
  try {
    const require = createRequire(import.meta.url);
    const { Tensor } = require('onnxruntime-node') as { Tensor: OrtModule['Tensor'] };
    const ortMain = require.resolve('onnxruntime-node');
    const { binding, initOrt } = require(ortMain.replace(/index\.js$/, 'binding.js')) as {
      binding: OrtModule['native'];
      initOrt: () => void;
    };
    if (typeof initOrt !== 'function' || typeof binding?.InferenceSession !== 'function') throw new Error('unexpected binding shape');
    initOrt();
    loaded = { Tensor, native: binding };
  } catch {
    loaded = null;
  }
  return loaded;
}

/** Whether the onnxruntime kernel can run here (the native binding loads). */
export function ortAvailable(): boolean {
  return loadOrt() !== null;
}

/**
 * z = X Wᵀ + b; logp = log_softmax(z); nll = −Σ_i logp[i, y_i]; R = softmax(z) − onehot(y) (scattered
 * in place of a one-hot input, which would cost n·m doubles); ∇W = Rᵀ X; ∇b = Σ_i R_i.
 */
function lossGraph(): Uint8Array {
  const g = new GraphBuilder('logistic_regression_loss');
  g.input('X', 'float64', ['n', 'd']);
  g.input('y', 'int64', ['n', 1]);
  g.input('W', 'float64', ['m', 'd']);
  g.input('b', 'float64', ['m']);
  g.initializer('one', new Float64Array([1]), [1]);
  g.initializer('axis0', new BigInt64Array([0n]), [1]);
  g.node('Gemm', ['X', 'W', 'b'], ['z'], { transB: 1 });
  g.node('LogSoftmax', ['z'], ['logp'], { axis: 1 });
  g.node('GatherElements', ['logp', 'y'], ['logp_y'], { axis: 1 });
  g.node('ReduceSum', ['logp_y'], ['sum_logp_y'], { keepdims: 0 });
  g.node('Neg', ['sum_logp_y'], ['nll']);
  g.node('Exp', ['logp'], ['p']);
  g.node('GatherElements', ['p', 'y'], ['p_y'], { axis: 1 });
  g.node('Sub', ['p_y', 'one'], ['r_y']);
  g.node('ScatterElements', ['p', 'y', 'r_y'], ['r'], { axis: 1 });
  g.node('Gemm', ['r', 'X'], ['grad_W'], { transA: 1 });
  g.node('ReduceSum', ['r', 'axis0'], ['grad_b'], { keepdims: 0 });
  g.output('nll', 'float64', []);
  g.output('grad_W', 'float64', ['m', 'd']);
  g.output('grad_b', 'float64', ['m']);
  return g.toModelBytes({ opset: 17 });
}

// One session per thread count and per worker thread: the graph has symbolic shapes, so it serves
// every training set.
const sessions = new Map<number, NativeSession>();

function sessionFor(ort: OrtModule, threads: number): NativeSession {
  let s = sessions.get(threads);
  if (!s) {
    const bytes = lossGraph();
    s = new ort.native.InferenceSession();
    s.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // Spinning threads steal the core from other probe workers between evaluations.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    sessions.set(threads, s);
  }
  return s;
}

/** Same contract as `lossAndGradient` with X, y, n, d, m bound. */
export type BoundObjective = (params: Float64Array, invC: number, grad: Float64Array) => number;

/**
 * Binds a training set ([n, d] row-major float64, labels 0..m−1) to the onnxruntime kernel. X is
 * passed by reference (onnxruntime-node wraps the typed array's memory; nothing is copied per call).
 */
export function ortObjective(X: Float64Array, y: Int32Array, n: number, d: number, m: number, threads: number): BoundObjective {
  const ort = loadOrt();
  if (!ort) throw new Error('onnxruntime kernel unavailable: the onnxruntime-node native binding did not load');
  const session = sessionFor(ort, threads);
  const tX = new ort.Tensor('float64', X, [n, d]);
  const tY = new ort.Tensor('int64', BigInt64Array.from(y, (v) => BigInt(v)), [n, 1]);
  const fetches = { nll: null, grad_W: null, grad_b: null };
  const bOff = m * d;
  return (params, invC, grad) => {
    const out = session.run(
      { X: tX, y: tY, W: new ort.Tensor('float64', params.subarray(0, bOff), [m, d]), b: new ort.Tensor('float64', params.subarray(bOff, bOff + m), [m]) },
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
