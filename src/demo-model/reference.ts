/**
 * Plain-JS reference of the demo image encoder (slow; for tests): the ONNX graph must reproduce it.
 */
import { INPUT_SIZE } from './images.ts';
import { PATCH, PATCH_DIM, type Dictionary } from './dictionary.ts';
import { CONV_OUT, POOL_GRID, featureDim } from './vision-graph.ts';

/** Features of one image given as normalised NCHW pixel values (3 × 32 × 32). */
export function referenceFeatures(x: Float32Array, dict: Dictionary, alpha: number): Float32Array {
  const S = INPUT_SIZE;
  const K = dict.filters;
  const cell = CONV_OUT / POOL_GRID;
  const out = new Float32Array(featureDim(K));
  const patch = new Float64Array(PATCH_DIM);
  for (let y = 0; y < CONV_OUT; y++)
    for (let x0 = 0; x0 < CONV_OUT; x0++) {
      let j = 0;
      let m = 0;
      let m2 = 0;
      for (let c = 0; c < 3; c++)
        for (let dy = 0; dy < PATCH; dy++)
          for (let dx = 0; dx < PATCH; dx++) {
            const v = x[c * S * S + (y + dy) * S + x0 + dx];
            patch[j++] = v;
            m += v;
            m2 += v * v;
          }
      m /= PATCH_DIM;
      const sd = Math.sqrt(Math.max(m2 / PATCH_DIM - m * m, 0) + dict.contrastEps);
      const cellIdx = Math.floor(y / cell) * POOL_GRID + Math.floor(x0 / cell);
      for (let k = 0; k < K; k++) {
        let r = 0;
        for (let q = 0; q < PATCH_DIM; q++) r += dict.weights[k * PATCH_DIM + q] * patch[q];
        const z = r / sd;
        out[k * POOL_GRID * POOL_GRID + cellIdx] += Math.max(z - alpha, 0) / (cell * cell);
        out[(K + k) * POOL_GRID * POOL_GRID + cellIdx] += Math.max(-z - alpha, 0) / (cell * cell);
      }
    }
  return out;
}
