/**
 * scikit-image's rgb2hsv / hsv2rgb (skimage/color/colorconv.py), element for element, on an
 * interleaved 3-channel float image in [0, 1]. Ties for the max channel resolve as skimage's
 * sequential masked assignments do: blue over green over red.
 */

/** RGB → HSV in place. */
export function rgbToHsvInPlace(d: Float64Array): void {
  for (let i = 0; i < d.length; i += 3) {
    const r = d[i];
    const g = d[i + 1];
    const b = d[i + 2];
    const v = Math.max(r, g, b);
    const delta = v - Math.min(r, g, b);
    let h = 0;
    let s = 0;
    if (delta !== 0) {
      s = delta / v;
      let h6: number;
      if (b === v) h6 = 4 + (r - g) / delta;
      else if (g === v) h6 = 2 + (b - r) / delta;
      else h6 = (g - b) / delta;
      h = h6 / 6 % 1; // C fmod, then NumPy's sign fix-up for a positive divisor
      if (h < 0) h += 1;
    }
    d[i] = h;
    d[i + 1] = s;
    d[i + 2] = v;
  }
}

/** HSV → RGB in place. */
export function hsvToRgbInPlace(d: Float64Array): void {
  for (let i = 0; i < d.length; i += 3) {
    const h = d[i];
    const s = d[i + 1];
    const v = d[i + 2];
    const hi6 = Math.floor(h * 6);
    const f = h * 6 - hi6;
    const p = v * (1 - s);
    const q = v * (1 - f * s);
    const t = v * (1 - (1 - f) * s);
    // .astype(np.uint8) % 6; h is in [0, 1] so hi6 is in 0..6.
    switch (hi6 % 6) {
      case 0: d[i] = v; d[i + 1] = t; d[i + 2] = p; break;
      case 1: d[i] = q; d[i + 1] = v; d[i + 2] = p; break;
      case 2: d[i] = p; d[i + 1] = v; d[i + 2] = t; break;
      case 3: d[i] = p; d[i + 1] = q; d[i + 2] = v; break;
      case 4: d[i] = t; d[i + 1] = p; d[i + 2] = v; break;
      default: d[i] = v; d[i + 1] = p; d[i + 2] = q; break;
    }
  }
}
