/**
 * Row-normalised confusion matrix as a heat map (row = true class, column = predicted; each row sums
 * to 100% of that class's test images). Up to MAX_CLASSES classes are drawn whole; beyond that the
 * MAX_CLASSES classes with the lowest recall are drawn, rows still normalised over all predictions,
 * so a row's missing mass went to classes not shown.
 */
import type { SKRSContext2D } from '@napi-rs/canvas';
import { font, measureText, renderCanvas } from '../render.ts';

export const MAX_CLASSES = 30;

export interface ConfusionInput {
  title: string;
  subtitle: string;
  classes: string[];
  /** Row-major K×K counts. */
  counts: number[];
}

/** Row-normalised rates (NaN for a class with no test example). */
export function rowNormalise(counts: number[], K: number): number[] {
  const out = new Array<number>(K * K);
  for (let r = 0; r < K; r++) {
    let total = 0;
    for (let c = 0; c < K; c++) total += counts[r * K + c];
    for (let c = 0; c < K; c++) out[r * K + c] = total ? counts[r * K + c] / total : NaN;
  }
  return out;
}

/** Which classes to draw: all, or the MAX_CLASSES with lowest recall (ties by class order), in class order. */
export function shownClasses(rates: number[], K: number): number[] {
  const all = Array.from({ length: K }, (_, i) => i);
  if (K <= MAX_CLASSES) return all;
  const recall = (i: number) => (Number.isNaN(rates[i * K + i]) ? Infinity : rates[i * K + i]);
  return all.sort((a, b) => recall(a) - recall(b) || a - b).slice(0, MAX_CLASSES).sort((a, b) => a - b);
}

/** White to dark blue (ColorBrewer "Blues" end points). */
function shade(v: number): string {
  const lerp = (a: number, b: number) => Math.round(a + (b - a) * Math.sqrt(v));
  return `rgb(${lerp(247, 8)}, ${lerp(251, 48)}, ${lerp(255, 107)})`;
}

const truncate = (ctx: SKRSContext2D, s: string, max: number) => {
  if (ctx.measureText(s).width <= max) return s;
  let t = s;
  while (t.length > 1 && ctx.measureText(`${t}…`).width > max) t = t.slice(0, -1);
  return `${t}…`;
};

export function renderConfusion(input: ConfusionInput): Buffer {
  const K = input.classes.length;
  const rates = rowNormalise(input.counts, K);
  const shown = shownClasses(rates, K);
  const n = shown.length;
  const cell = Math.max(22, Math.min(56, Math.floor(760 / n)));
  const labelPx = Math.min(15, cell - 6);
  const labelW = Math.min(220, Math.max(...shown.map((i) => measureText(input.classes[i], font(labelPx)))) + 12);
  const top = 110;
  const left = labelW + 44;
  const gridW = cell * n;
  const note = n < K ? `${K} classes: the ${n} with the lowest recall are shown; rows are normalised over all ${K} predicted classes` : '';
  const width = Math.ceil(Math.max(left + gridW + 130, measureText(input.subtitle, font(14)) + 40, measureText(note, font(14)) + 40, 640));
  const height = Math.ceil(top + gridW + labelW + 50);
  return renderCanvas({ width, height }, (ctx) => {
    ctx.fillStyle = '#222';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.font = font(20, true);
    ctx.fillText(input.title, width / 2, 14);
    ctx.font = font(14);
    ctx.fillText(input.subtitle, width / 2, 44);
    if (note) ctx.fillText(note, width / 2, 66);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const v = rates[shown[i] * K + shown[j]];
        ctx.fillStyle = Number.isNaN(v) ? '#dddddd' : shade(v);
        ctx.fillRect(left + j * cell, top + i * cell, cell, cell);
        if (cell >= 40 && !Number.isNaN(v) && v >= 0.005) {
          ctx.fillStyle = v > 0.45 ? '#fff' : '#222';
          ctx.font = font(Math.min(14, cell / 3));
          ctx.textAlign = 'center';
          ctx.textBaseline = 'middle';
          ctx.fillText(`${Math.round(100 * v)}`, left + j * cell + cell / 2, top + i * cell + cell / 2);
        }
      }
    }
    ctx.strokeStyle = '#888';
    ctx.lineWidth = 1;
    ctx.strokeRect(left, top, gridW, gridW);
    ctx.fillStyle = '#222';
    ctx.font = font(labelPx);
    for (let i = 0; i < n; i++) {
      const name = truncate(ctx, input.classes[shown[i]], labelW - 10);
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      ctx.fillText(name, left - 6, top + i * cell + cell / 2);
      ctx.save();
      ctx.translate(left + i * cell + cell / 2, top + gridW + 6);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'right';
      ctx.fillText(name, 0, 0);
      ctx.restore();
    }
    ctx.font = font(16, true);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.fillText('predicted class', left + gridW / 2, height - 10);
    ctx.save();
    ctx.translate(left - labelW - 36, top + gridW / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'top';
    ctx.fillText('true class', 0, 0);
    ctx.restore();
    // colour bar
    const barX = left + gridW + 30;
    const barH = Math.min(gridW, 300);
    for (let y = 0; y < barH; y++) {
      ctx.fillStyle = shade(1 - y / (barH - 1));
      ctx.fillRect(barX, top + y, 20, 1);
    }
    ctx.strokeRect(barX, top, 20, barH);
    ctx.fillStyle = '#222';
    ctx.font = font(13);
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    for (const v of [0, 0.25, 0.5, 0.75, 1]) ctx.fillText(`${100 * v}%`, barX + 26, top + (1 - v) * (barH - 1));
  });
}
