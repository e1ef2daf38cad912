/**
 * Dense float64 kernels the probe shares: dot products and axpy for V8 (unrolled, monomorphic), and a
 * GEMM that runs on onnxruntime's when a product is large enough to pay for a session run.
 */
import { ortAvailable, ortGemm } from './ort-native.ts';

/** alpha·A·op(B) (+ C): A [p, k]; B [q, k] when transB, else [k, q]; result [p, q]. */
export type Gemm = (A: Float64Array, B: Float64Array, p: number, q: number, k: number, transB: boolean, acc?: { C: Float64Array; alpha: number }) => Float64Array;

export const jsGemm: Gemm = (A, B, p, q, k, transB, acc) => {
  const out = new Float64Array(p * q);
  if (acc) out.set(acc.C.subarray(0, p * q));
  const alpha = acc ? acc.alpha : 1;
  for (let i = 0; i < p; i++) {
    if (transB) for (let c = 0; c < q; c++) out[i * q + c] += alpha * dotRows(A, i * k, B, c * k, k);
    else for (let t = 0; t < k; t++) axpyFrom(out.subarray(i * q, (i + 1) * q), alpha * A[i * k + t], B, t * q, q);
  }
  return out;
};

/** onnxruntime's GEMM once a one-off product (the basis: n²·d; back-projection; scoring) costs this many multiply-adds; below it JS is as fast. */
export const ORT_MIN_BASIS_WORK = 1 << 22;

/** onnxruntime's GEMM for a product of `work` multiply-adds when that pays (see ORT_MIN_BASIS_WORK), else JS. */
export function gemmFor(work: number, threads: number): Gemm {
  return work >= ORT_MIN_BASIS_WORK && ortAvailable() ? (A, B, p, q, k, t, acc) => ortGemm(A, B, p, q, k, t, threads, acc) : jsGemm;
}

export function dotRows(a: Float64Array, ao: number, b: Float64Array, bo: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < len; j += 4) {
    s0 += a[ao + j] * b[bo + j];
    s1 += a[ao + j + 1] * b[bo + j + 1];
    s2 += a[ao + j + 2] * b[bo + j + 2];
    s3 += a[ao + j + 3] * b[bo + j + 3];
  }
  for (; j < len; j++) s0 += a[ao + j] * b[bo + j];
  return s0 + s1 + s2 + s3;
}

// Same loop as dotRows for a Float32Array operand: one element type per function keeps V8's
// typed-array loads monomorphic in this hot path.
export function dotMixedAt(a: Float64Array, ao: number, b: Float32Array, bo: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < len; j += 4) {
    s0 += a[ao + j] * b[bo + j];
    s1 += a[ao + j + 1] * b[bo + j + 1];
    s2 += a[ao + j + 2] * b[bo + j + 2];
    s3 += a[ao + j + 3] * b[bo + j + 3];
  }
  for (; j < len; j++) s0 += a[ao + j] * b[bo + j];
  return s0 + s1 + s2 + s3;
}

export function axpyFrom(dst: Float64Array, c: number, src: Float64Array, so: number, len: number): void {
  if (c === 0) return;
  for (let j = 0; j < len; j++) dst[j] += c * src[so + j];
}

export function dot(a: Float64Array, b: Float64Array): number {
  let s0 = 0;
  let s1 = 0;
  const n = a.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
  }
  if (i < n) s0 += a[i] * b[i];
  return s0 + s1;
}
