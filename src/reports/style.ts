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

/**
 * Colour of probe `i` of `n` (ordered by k): one blue, or ColorBrewer "Blues" from light (fewest shots) to
 * dark (most), so more adaptation reads as a darker line next to zero-shot's orange.
 */
export function probeShade(i: number, n: number): string {
  if (n <= 1) return PROBE_COLOR;
  const light = [0x6b, 0xae, 0xd6];
  const dark = [0x08, 0x30, 0x6b];
  const t = i / (n - 1);
  return `#${light.map((a, j) => Math.round(a + t * (dark[j] - a)).toString(16).padStart(2, '0')).join('')}`;
}

/** chart.js title and subtitle options in the shared look (bold 20 px title, 14 px subtitle lines). */
export const headings = (title: string, subtitle: string | string[]) => ({
  title: { display: true, text: title, font: { size: 20, weight: 'bold' as const } },
  subtitle: { display: subtitle.length > 0, text: subtitle, font: { size: 14 }, padding: { bottom: 10 } },
});
