/**
 * make_cifar_c.py `clipped_zoom`: crop the centre ceil(side / z) pixels, scale them by z with
 * scipy.ndimage.zoom(order=1) (output side round(crop · z); sample k reads input coordinate
 * k · (crop − 1)/(out − 1); mode 'constant'), then cut the centre `side` pixels back out.
 * The original crops with the height on both axes (CIFAR is square); here each axis uses its own side.
 */
import type { FloatImage } from './float-image.ts';

/** `np.arange(start, stop, step)` exactly: length ceil((stop − start)/step), values start + i·(start + step − start). */
export function numpyArange(start: number, stop: number, step: number): number[] {
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const delta = start + step - start;
  return Array.from({ length: n }, (_, i) => start + i * delta);
}

/** Python's round(): halves to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

interface AxisTaps {
  /** Per output sample: first source index, second source index, weight of the second; -1 = outside (value 0). */
  i0: Int32Array;
  i1: Int32Array;
  t: Float64Array;
}

const tapCache = new Map<string, AxisTaps>();

function axisTaps(side: number, zoom: number): AxisTaps {
  const key = `${side}:${zoom}`;
  let taps = tapCache.get(key);
  if (!taps) {
    if (tapCache.size > 256) tapCache.clear();
    tapCache.set(key, (taps = computeAxisTaps(side, zoom)));
  }
  return taps;
}

function computeAxisTaps(side: number, zoom: number): AxisTaps {
  const crop = Math.ceil(side / zoom);
  const top = Math.floor((side - crop) / 2);
  const out = roundHalfEven(crop * zoom);
  const trim = Math.floor((out - side) / 2);
  const ratio = out > 1 ? (crop - 1) / (out - 1) : 0;
  const i0 = new Int32Array(side);
  const i1 = new Int32Array(side);
  const t = new Float64Array(side);
  for (let o = 0; o < side; o++) {
    const cc = (o + trim) * ratio;
    if (cc > crop - 1) {
      i0[o] = -1;
      continue;
    }
    const f = Math.floor(cc);
    i0[o] = top + f;
    // The tap past the crop edge reads cval 0, with weight 0 when cc lands on the last sample.
    i1[o] = f + 1 < crop ? top + f + 1 : -1;
    t[o] = cc - f;
  }
  return { i0, i1, t };
}

/** The clipped zoom of `img` (same size), written to `out` (zeros where the zoom reads outside). */
export function clippedZoom(img: FloatImage, zoom: number, out = new Float64Array(img.data.length)): Float64Array {
  const { width: w, height: h, channels: c, data } = img;
  const ys = axisTaps(h, zoom);
  const xs = axisTaps(w, zoom);
  out.fill(0);
  for (let y = 0; y < h; y++) {
    const y0 = ys.i0[y];
    if (y0 < 0) continue;
    const y1 = ys.i1[y];
    const ty = ys.t[y];
    for (let x = 0; x < w; x++) {
      const x0 = xs.i0[x];
      if (x0 < 0) continue;
      const x1 = xs.i1[x];
      const tx = xs.t[x];
      for (let ch = 0; ch < c; ch++) {
        const a = data[(y0 * w + x0) * c + ch];
        const b = x1 < 0 ? 0 : data[(y0 * w + x1) * c + ch];
        const cc = y1 < 0 ? 0 : data[(y1 * w + x0) * c + ch];
        const d = y1 < 0 || x1 < 0 ? 0 : data[(y1 * w + x1) * c + ch];
        out[(y * w + x) * c + ch] = (1 - ty) * ((1 - tx) * a + tx * b) + ty * ((1 - tx) * cc + tx * d);
      }
    }
  }
  return out;
}
