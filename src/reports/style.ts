/** Shared look of every plot: palette (Tableau 10, colour-blind-aware ordering), sizes, number format. */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
export const ZERO_SHOT_COLOR = '#ff7f0e';
export const PROBE_COLOR = '#1f77b4';

export const colorAt = (i: number) => PALETTE[i % PALETTE.length];

/** `#rrggbb` with an alpha, for CI bands. */
export function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

export const pct = (x: number, digits = 1) => (100 * x).toFixed(digits);

/** Percentage points with an explicit sign: "+2.5", "-1.9". */
export const signed = (x: number) => `${x > 0 ? '+' : ''}${pct(x)}`;
