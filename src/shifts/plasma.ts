/**
 * make_cifar_c.py `plasma_fractal` (a modification of FLHerne/mapgen diamondsquare.py): a
 * diamond-square height map on a size×size torus (size a power of two), where each new point is
 * the mean of its four neighbours plus wibble·U(−wibble, wibble), wibble starting at 100 and
 * divided by `decay` each octave; rescaled to [0, 1].
 */
import type { Rng } from '../util/rng.ts';
import { uniform } from './random.ts';

export function plasmaFractal(size: number, decay: number, rng: Rng): Float64Array {
  if (size < 2 || (size & (size - 1)) !== 0) throw new RangeError(`plasma fractal size must be a power of two ≥ 2 (got ${size})`);
  const a = new Float64Array(size * size);
  const at = (y: number, x: number): number => a[(y % size) * size + (x % size)];
  let wibble = 100;
  for (let step = size; step >= 2; step >>= 1) {
    const half = step >> 1;
    const mean = (sum: number): number => sum / 4 + wibble * uniform(rng, -wibble, wibble);
    // Squares: centre of each step×step cell from its four corners (wrapping).
    for (let y = 0; y < size; y += step) {
      for (let x = 0; x < size; x += step) {
        a[(y + half) * size + x + half] = mean(at(y, x) + at(y + step, x) + at(y, x + step) + at(y + step, x + step));
      }
    }
    // Diamonds: edge midpoints from the two adjacent centres and the two corners (wrapping).
    for (let y = 0; y < size; y += step) {
      for (let x = 0; x < size; x += step) {
        const top = at(y + half + size - step, x + half) + at(y + half, x + half) + at(y, x) + at(y, x + step);
        a[y * size + x + half] = mean(top);
      }
    }
    for (let y = 0; y < size; y += step) {
      for (let x = 0; x < size; x += step) {
        const left = at(y + half, x + half + size - step) + at(y + half, x + half) + at(y, x) + at(y + step, x);
        a[(y + half) * size + x] = mean(left);
      }
    }
    wibble /= decay;
  }
  let min = Infinity;
  let max = -Infinity;
  for (const v of a) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  for (let i = 0; i < a.length; i++) a[i] = (a[i] - min) / (max - min);
  return a;
}
