/**
 * A contact sheet of a dataset split, for a human to check that images, labels and class names
 * line up: one row per class (name and count at the left), a seeded sample of its images, and a
 * title. Text is drawn in the bundled DejaVu Sans (src/datasets/sheet-canvas.ts), so it renders the same
 * on machines without system fonts and prints non-ASCII class names as written.
 * `renderShiftSheet` shows a few images clean and under each requested shift, side by side.
 */
import { Rng } from '../util/rng.ts';
import { SheetCanvas, type Rgb, type RgbCanvas } from './sheet-canvas.ts';
import type { Dataset, RawImage, Split } from './types.ts';

export interface ContactSheetOptions {
  /** Images per class row (default 8). */
  perClass?: number;
  /** Class rows shown, the first classes in class order (default 20). */
  maxClasses?: number;
  /** Seed of the per-class sample (default 0). */
  seed?: number;
  /** Side of the square cell each image is fitted into, in pixels (default 64). */
  cell?: number;
}

const INK: Rgb = [24, 24, 24];
const MUTED: Rgb = [110, 110, 110];
const PAPER: Rgb = [255, 255, 255];
const CELL_BG: Rgb = [232, 232, 232];
const RULE: Rgb = [215, 215, 215];
/** Font size and line height of titles and row labels; of the shift sheet's column captions. */
const TEXT_PX = 14;
const LINE = 16;
const SMALL_PX = 10;
const SMALL_LINE = 12;
const MARGIN = 16;
const GAP = 4;
const LABEL_GAP = 16;
/** The label column's width range; class names wider than the maximum are cut with "…". */
const MIN_LABEL_WIDTH = 120;
const MAX_LABEL_WIDTH = 216;
const MAX_TITLE_WIDTH = 960;

/** Width of the widest of `texts` at the label size, kept within [MIN_LABEL_WIDTH, max]. */
function labelColumn(texts: string[], max = MAX_LABEL_WIDTH): number {
  const measure = new SheetCanvas(1, 1, PAPER);
  return Math.ceil(Math.min(max, Math.max(MIN_LABEL_WIDTH, ...texts.map((t) => measure.textWidth(t, TEXT_PX)))));
}

/** Width of the widest of `texts` at the title size, up to MAX_TITLE_WIDTH. */
function titleColumn(texts: string[]): number {
  const measure = new SheetCanvas(1, 1, PAPER);
  return Math.ceil(Math.min(MAX_TITLE_WIDTH, Math.max(...texts.map((t) => measure.textWidth(t, TEXT_PX)))));
}

export async function renderContactSheet(dataset: Dataset, split: Split, opts: ContactSheetOptions = {}): Promise<Buffer> {
  const perClass = Math.max(1, Math.floor(opts.perClass ?? 8));
  const maxClasses = Math.max(1, Math.floor(opts.maxClasses ?? 20));
  const cell = Math.max(8, Math.floor(opts.cell ?? 64));
  const labels = await dataset.labels(split);
  const shown = Math.min(dataset.classes.length, maxClasses);

  const byClass = indicesByClass(labels, shown);
  const picks = sampleByClass(byClass, perClass, opts.seed ?? 0).map((p) => p.sort((a, b) => a - b));
  const slot = new Map<number, { row: number; col: number }>();
  picks.forEach((p, row) => p.forEach((i, col) => slot.set(i, { row, col })));

  // Layout.
  // Room for the class name and its "N images" line.
  const counts = byClass.map((idx) => idx.length);
  const labelWidth = labelColumn([...counts.slice(0, shown).map((n) => `${n} images`), ...dataset.classes.slice(0, shown)]);
  const gridX = MARGIN + labelWidth + LABEL_GAP;
  const headerHeight = 2 * LINE + 6 + 14;
  const gridY = MARGIN + headerHeight;
  const more = dataset.classes.length > shown ? ` (first ${shown} shown)` : '';
  const facts = `split ${split}  ${labels.length} images  ${dataset.classes.length} classes${more}`;
  // Widen a narrow grid so the title fits, up to a limit (a long path is then cut).
  const titleWidth = titleColumn([dataset.name, facts]);
  const width = Math.max(gridX + perClass * cell + (perClass - 1) * GAP + MARGIN, titleWidth + 2 * MARGIN);
  const height = gridY + shown * cell + Math.max(0, shown - 1) * GAP + MARGIN;
  const canvas = titledCanvas(width, height, dataset.name, facts, gridY);

  for (let row = 0; row < shown; row++) {
    const y = gridY + row * (cell + GAP);
    const twoLines = cell >= 2 * LINE + 4;
    const textTop = y + Math.floor((cell - (twoLines ? 2 * LINE + 4 : LINE)) / 2);
    canvas.text(canvas.fit(dataset.classes[row], labelWidth, TEXT_PX), MARGIN, textTop, TEXT_PX, INK);
    if (twoLines) canvas.text(canvas.fit(`${counts[row]} ${counts[row] === 1 ? 'image' : 'images'}`, labelWidth, TEXT_PX), MARGIN, textTop + LINE + 4, TEXT_PX, MUTED);
    for (let col = 0; col < picks[row].length; col++) canvas.fillRect(gridX + col * (cell + GAP), y, cell, cell, CELL_BG);
  }

  const wanted = [...slot.keys()].sort((a, b) => a - b);
  if (wanted.length > 0) {
    for await (const ex of dataset.read(split, wanted)) {
      const at = slot.get(ex.index)!;
      drawCell(canvas, ex.image, gridX + at.col * (cell + GAP), gridY + at.row * (cell + GAP), cell);
    }
  }
  return canvas.toPng();
}

/** Indices of each of the first `shown` classes, in index order. */
function indicesByClass(labels: Int32Array, shown: number): number[][] {
  const byClass: number[][] = Array.from({ length: shown }, () => []);
  labels.forEach((l, i) => {
    if (l < shown) byClass[l].push(i);
  });
  return byClass;
}

/** A seeded sample of up to `perClass` indices of each class, in draw order (a smaller sample is a prefix of a larger one). */
function sampleByClass(byClass: number[][], perClass: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return byClass.map((idx) => rng.shuffle([...idx]).slice(0, perClass));
}

/** A white canvas with the title (dataset name, its end kept when cut: for paths the last folders say most), a facts line and a rule above the grid. */
function titledCanvas(width: number, height: number, name: string, facts: string, gridY: number): SheetCanvas {
  const canvas = new SheetCanvas(width, height, PAPER);
  const textRoom = width - 2 * MARGIN;
  canvas.text(canvas.fitTail(name, textRoom, TEXT_PX), MARGIN, MARGIN, TEXT_PX, INK);
  canvas.text(canvas.fit(facts, textRoom, TEXT_PX), MARGIN, MARGIN + LINE + 6, TEXT_PX, MUTED);
  canvas.fillRect(MARGIN, gridY - 8, width - 2 * MARGIN, 1, RULE);
  return canvas;
}

/** An image fitted and centred in the cell whose top-left is (x, y). */
function drawCell(canvas: SheetCanvas, image: RawImage, x: number, y: number, cell: number): void {
  const thumb = fitToCell(toRgbOnWhite(image), cell);
  canvas.image(thumb, x + Math.floor((cell - thumb.width) / 2), y + Math.floor((cell - thumb.height) / 2));
}

/**
 * A shift as the feature pipeline applies it (the ImageShift of src/features/shift.ts): passed in by
 * the caller, so the sheet shows exactly the pixels bench encodes for each (image, index, split).
 */
export interface PreviewShift {
  label: string;
  apply(img: RawImage, index: number, ctx: { datasetIdentity: string; split: string }): RawImage | Promise<RawImage>;
}

export interface ShiftSheetOptions {
  /** Images shown, one column each (default 8), drawn round-robin over the classes. */
  images?: number;
  /** Seed of which images are shown (default 0); the shifts carry their own seed. */
  seed?: number;
  /** Side of the square cell, in pixels (default 64). */
  cell?: number;
  /** A line under the title, e.g. the suite's name with its seed. */
  caption?: string;
}

export interface ShiftGrid {
  /** Split indices of the columns. */
  indices: number[];
  labels: number[];
  /** rows[0]: the clean images; rows[1 + s]: under shifts[s]. */
  rows: RawImage[][];
}

/** The images of a shift sheet: a seeded pick of `images` examples (one per class in turn), clean and under each shift. */
export async function shiftGrid(dataset: Dataset, split: Split, shifts: readonly PreviewShift[], opts: ShiftSheetOptions = {}): Promise<ShiftGrid> {
  const n = Math.max(1, Math.floor(opts.images ?? 8));
  const picks = sampleByClass(indicesByClass(await dataset.labels(split), dataset.classes.length), n, opts.seed ?? 0);
  const indices: number[] = [];
  for (let round = 0; indices.length < n && picks.some((p) => p.length > round); round++) {
    for (const p of picks) if (round < p.length && indices.length < n) indices.push(p[round]);
  }
  const column = new Map(indices.map((idx, col) => [idx, col]));
  const rows: RawImage[][] = Array.from({ length: shifts.length + 1 }, () => new Array<RawImage>(indices.length));
  const labels = new Array<number>(indices.length);
  const ctx = { datasetIdentity: dataset.identity(split), split };
  for await (const ex of dataset.read(split, [...indices].sort((a, b) => a - b))) {
    const col = column.get(ex.index)!;
    labels[col] = ex.label;
    rows[0][col] = ex.image;
    for (let s = 0; s < shifts.length; s++) rows[s + 1][col] = await shifts[s].apply(ex.image, ex.index, ctx);
  }
  return { indices, labels, rows };
}

/**
 * Clean vs shifted: one row per shift (labelled at the left, "clean" first), one column per image
 * (its class and index above). Rows rather than columns per shift, so a long list (the 95 of
 * corruptions+extra) grows downwards and every label stays readable.
 */
export async function renderShiftSheet(dataset: Dataset, split: Split, shifts: readonly PreviewShift[], opts: ShiftSheetOptions = {}): Promise<Buffer> {
  const cell = Math.max(32, Math.floor(opts.cell ?? 64));
  const grid = await shiftGrid(dataset, split, shifts, opts);
  const rowLabels = ['clean', ...shifts.map((s) => s.label)];
  const cols = grid.indices.length;

  // Room for the longest corruption label, elastic_transform:N.
  const labelWidth = labelColumn(rowLabels, MAX_LABEL_WIDTH + 24);
  const gridX = MARGIN + labelWidth + LABEL_GAP;
  const small = SMALL_LINE;
  const textBottom = MARGIN + 2 * LINE + 6 + (opts.caption ? LINE + 6 : 0);
  const ruleY = textBottom + 6;
  const gridY = ruleY + 6 + 2 * small + 2 + 4;
  const facts = `split ${split}  ${cols} images  clean + ${shifts.length} shifts`;
  const titleWidth = titleColumn([dataset.name, facts, opts.caption ?? '']);
  const width = Math.max(gridX + cols * cell + (cols - 1) * GAP + MARGIN, titleWidth + 2 * MARGIN);
  const rows = rowLabels.length;
  const height = gridY + rows * cell + (rows - 1) * GAP + MARGIN;
  const canvas = titledCanvas(width, height, dataset.name, facts, ruleY + 8);
  if (opts.caption) canvas.text(canvas.fit(opts.caption, width - 2 * MARGIN, TEXT_PX), MARGIN, MARGIN + 2 * (LINE + 6), TEXT_PX, MUTED);

  for (let col = 0; col < cols; col++) {
    const x = gridX + col * (cell + GAP);
    canvas.text(canvas.fit(dataset.classes[grid.labels[col]] ?? '', cell, SMALL_PX), x, ruleY + 6, SMALL_PX, INK);
    canvas.text(canvas.fit(`#${grid.indices[col]}`, cell, SMALL_PX), x, ruleY + 6 + small + 2, SMALL_PX, MUTED);
  }
  for (let row = 0; row < rows; row++) {
    const y = gridY + row * (cell + GAP);
    canvas.text(canvas.fit(rowLabels[row], labelWidth, TEXT_PX), MARGIN, y + Math.floor((cell - LINE) / 2), TEXT_PX, row === 0 ? MUTED : INK);
    for (let col = 0; col < cols; col++) {
      const x = gridX + col * (cell + GAP);
      canvas.fillRect(x, y, cell, cell, CELL_BG);
      drawCell(canvas, grid.rows[row][col], x, y, cell);
    }
  }
  return canvas.toPng();
}

/** Grey stays grey (R=G=B); alpha is composited over white. */
export function toRgbOnWhite(img: RawImage): RgbCanvas {
  const n = img.width * img.height;
  const c = img.channels;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const s = i * c;
    const grey = c <= 2;
    let r = img.data[s];
    let g = grey ? r : img.data[s + 1];
    let b = grey ? r : img.data[s + 2];
    if (c === 2 || c === 4) {
      const a = img.data[s + c - 1] / 255;
      r = Math.round(r * a + 255 * (1 - a));
      g = Math.round(g * a + 255 * (1 - a));
      b = Math.round(b * a + 255 * (1 - a));
    }
    out[i * 3] = r;
    out[i * 3 + 1] = g;
    out[i * 3 + 2] = b;
  }
  return { data: out, width: img.width, height: img.height };
}

/**
 * Fit into a cell×cell box keeping the aspect ratio: small images grow by the largest whole
 * factor with nearest neighbour (crisp pixels, as the model's input is small too); large ones
 * shrink with a box filter (an average over each target pixel's footprint, no aliasing).
 */
export function fitToCell(img: RgbCanvas, cell: number): RgbCanvas {
  const side = Math.max(img.width, img.height);
  if (side <= cell) {
    const k = Math.floor(cell / side);
    if (k === 1) return img;
    return resample(img.width * k, img.height * k, (x, y) => sampleAt(img, Math.floor(x / k), Math.floor(y / k)));
  }
  const scale = cell / side;
  const w = Math.max(1, Math.round(img.width * scale));
  const h = Math.max(1, Math.round(img.height * scale));
  const fx = img.width / w;
  const fy = img.height / h;
  return resample(w, h, (x, y) => {
    const x0 = Math.floor(x * fx);
    const x1 = Math.max(x0 + 1, Math.floor((x + 1) * fx));
    const y0 = Math.floor(y * fy);
    const y1 = Math.max(y0 + 1, Math.floor((y + 1) * fy));
    const sum = [0, 0, 0];
    for (let sy = y0; sy < y1; sy++) {
      for (let sx = x0; sx < x1; sx++) {
        const o = (sy * img.width + sx) * 3;
        sum[0] += img.data[o];
        sum[1] += img.data[o + 1];
        sum[2] += img.data[o + 2];
      }
    }
    const n = (x1 - x0) * (y1 - y0);
    return [Math.round(sum[0] / n), Math.round(sum[1] / n), Math.round(sum[2] / n)];
  });
}

function sampleAt(img: RgbCanvas, x: number, y: number): Rgb {
  const o = (y * img.width + x) * 3;
  return [img.data[o], img.data[o + 1], img.data[o + 2]];
}

function resample(width: number, height: number, pixel: (x: number, y: number) => Rgb): RgbCanvas {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = pixel(x, y);
      const o = (y * width + x) * 3;
      data[o] = p[0];
      data[o + 1] = p[1];
      data[o + 2] = p[2];
    }
  }
  return { data, width, height };
}
