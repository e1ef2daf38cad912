/**
 * The logistic-regression loss and gradient with the two heavy products (X·Wᵀ and Rᵀ·X) on
 * onnxruntime's CPU GEMM (MLAS: vectorised, optionally multi-threaded), in float64 throughout so the
 * iterates match the JS kernel to rounding. X and the labels are bound once per training set; each
 * evaluation passes only W and b, so a C sweep reuses everything but the parameters.
 * Runs synchronously on the native binding (see ort-native.ts).
 */
import { GraphBuilder } from '../../model/onnx/builder.ts';
import { loadOrt, nativeSession, type NativeSession } from './ort-native.ts';

export { ortAvailable } from './ort-native.ts';

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

function sessionFor(threads: number): NativeSession {
  let s = sessions.get(threads);
  if (!s) {
    s = nativeSession(lossGraph(), threads);
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
  const session = sessionFor(threads);
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
