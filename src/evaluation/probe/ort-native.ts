/**
 * onnxruntime-node's native binding, called synchronously. L-BFGS and the row-space basis need their
 * products inside synchronous code, and onnxruntime-node's public `InferenceSession.run` is a Promise
 * around the binding's synchronous `run` (onnxruntime-node 1.30 `dist/backend.js`), so the probe calls
 * that binding directly. If a future onnxruntime-node moves it, `ortAvailable()` is false and the probe
 * uses its JS kernels (same answers, slower).
 */
import { createRequire } from 'node:module';
import { GraphBuilder } from '../../model/onnx/builder.ts';

export interface NativeSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, unknown>, fetches: Record<string, null>, options: object): Record<string, { data: Float64Array }>;
}

interface OrtModule {
  Tensor: new (type: string, data: Float64Array | Float32Array | BigInt64Array, dims: number[]) => unknown;
  native: { InferenceSession: new () => NativeSession };
}

let loaded: OrtModule | null | undefined;

export function loadOrt(): OrtModule | null {
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
 * Intra-op threads for float64 graphs: always 1. MLAS's float64 GEMM is not bit-identical across thread
 * counts (measured: 1,380 × 1,380 × 345, 1 vs 2 threads, 6 of 476k gradient entries differ in the last
 * bit; its float32 GEMM was identical), and at large C L-BFGS follows such bits into a different C. Results
 * must not depend on --threads, so float64 products run on one thread (the pipeline gives each probe worker
 * one thread anyway).
 */
export const FLOAT64_THREADS = 1;

/**
 * How many threads float32 products may use right now. A probe worker sets it from the pool's count of
 * busy workers (probe-pool.ts), so the last fit running on an otherwise idle machine gets every core.
 * MLAS's float32 GEMM gives bit-identical products on any thread count (it splits the output, never a
 * sum; `test/evaluation/probe-solver.test.ts` checks whole seeds with the budget changing between
 * evaluations), so this changes speed, never a result. The pairs' Sᵀg product is the exception and keeps one
 * thread (compact-history.ts).
 */
let float32Budget: (() => number) | null = null;

export function setFloat32ThreadBudget(budget: (() => number) | null): void {
  float32Budget = budget;
}

/** Threads for the next float32 product: the worker's budget when set, else `fallback`. */
export function float32Threads(fallback: number): number {
  return float32Budget ? float32Budget() : fallback;
}

/** A session for a tiny float64 graph; not spinning, since spinning threads steal the core from other probe workers. */
export function nativeSession(model: Uint8Array, threads: number): NativeSession {
  const ort = loadOrt();
  if (!ort) throw new Error('onnxruntime kernel unavailable: the onnxruntime-node native binding did not load');
  const s = new ort.native.InferenceSession();
  s.loadModel(model.buffer as ArrayBuffer, model.byteOffset, model.byteLength, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  return s;
}

/**
 * alpha·A·op(B) (+ C when given), float64 row-major: A [p, k]; B [q, k] when transB, else [k, q]; the
 * result is [p, q]. One cached `Gemm` session per (threads, transB, accumulate) combination.
 */
const gemmSessions = new Map<string, NativeSession>();

export function ortGemm(
  A: Float64Array,
  B: Float64Array,
  p: number,
  q: number,
  k: number,
  transB: boolean,
  threads: number,
  acc?: { C: Float64Array; alpha: number },
): Float64Array {
  const key = `${threads}/${transB}/${acc ? acc.alpha : ''}`;
  let s = gemmSessions.get(key);
  if (!s) {
    const g = new GraphBuilder('gemm');
    g.input('A', 'float64', ['p', 'k']);
    g.input('B', 'float64', transB ? ['q', 'k'] : ['k', 'q']);
    if (acc) g.input('C', 'float64', ['p', 'q']);
    g.node('Gemm', acc ? ['A', 'B', 'C'] : ['A', 'B'], ['Y'], { transB: transB ? 1 : 0, alpha: { f: acc ? acc.alpha : 1 }, beta: { f: 1 } });
    g.output('Y', 'float64', ['p', 'q']);
    s = nativeSession(g.toModelBytes({ opset: 17 }), FLOAT64_THREADS);
    gemmSessions.set(key, s);
  }
  const T = loadOrt()!.Tensor;
  const feeds: Record<string, unknown> = { A: new T('float64', A.subarray(0, p * k), [p, k]), B: new T('float64', B.subarray(0, q * k), transB ? [q, k] : [k, q]) };
  if (acc) feeds.C = new T('float64', acc.C.subarray(0, p * q), [p, q]);
  return s.run(feeds, { Y: null }, {}).Y.data;
}
