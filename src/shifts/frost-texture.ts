/**
 * PROCEDURAL frost, standing in for the six frost photographs (frost1.png … frost6.jpg) that
 * make_cifar_c.py crops from: those files are not reachable here, so this texture only imitates
 * their look (a bright, bluish, uneven haze crossed by thin ice needles with side branches).
 * Accuracies under this frost are NOT comparable with published CIFAR-10-C frost numbers.
 */
import type { Rng } from '../util/rng.ts';
import { plasmaFractal } from './plasma.ts';
import { uniform } from './random.ts';

/** Tint of ice (R, G, B multipliers): slightly blue, as in the original photographs. */
const ICE = [0.86, 0.93, 1.0];

/** An RGB texture in 0..255 (float, interleaved), width × height. */
export function frostTexture(width: number, height: number, rng: Rng): Float64Array {
  let size = 32;
  while (size < Math.max(width, height)) size *= 2;
  const haze = plasmaFractal(size, 1.8, rng);
  const ice = new Float64Array(width * height);
  const side = Math.min(width, height);
  const needles = Math.max(4, Math.round((width * height) / 90));
  const splat = (x: number, y: number, v: number): void => {
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    const tx = x - x0;
    const ty = y - y0;
    const put = (xx: number, yy: number, wgt: number): void => {
      if (xx >= 0 && yy >= 0 && xx < width && yy < height) ice[yy * width + xx] += v * wgt;
    };
    put(x0, y0, (1 - tx) * (1 - ty));
    put(x0 + 1, y0, tx * (1 - ty));
    put(x0, y0 + 1, (1 - tx) * ty);
    put(x0 + 1, y0 + 1, tx * ty);
  };
  const needle = (x: number, y: number, angle: number, length: number, v: number, depth: number): void => {
    const cx = Math.cos(angle);
    const cy = Math.sin(angle);
    for (let s = 0; s < length; s += 0.5) {
      splat(x + s * cx, y + s * cy, v);
      if (depth > 0 && rng.next() < 0.08) {
        const turn = (rng.next() < 0.5 ? -1 : 1) * (Math.PI / 3);
        needle(x + s * cx, y + s * cy, angle + turn, length * 0.3, v * 0.8, depth - 1);
      }
    }
  };
  for (let k = 0; k < needles; k++) {
    needle(uniform(rng, 0, width), uniform(rng, 0, height), uniform(rng, 0, 2 * Math.PI), uniform(rng, 0.15, 0.5) * side, uniform(rng, 0.25, 0.6), 1);
  }
  const out = new Float64Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = Math.min(1, 0.25 + 0.45 * haze[y * size + x] + ice[y * width + x]);
      for (let ch = 0; ch < 3; ch++) out[(y * width + x) * 3 + ch] = 255 * v * ICE[ch];
    }
  }
  return out;
}
