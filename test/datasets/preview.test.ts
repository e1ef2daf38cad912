import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { renderContactSheet, fitToCell, toRgbOnWhite } from '../../src/datasets/preview.ts';
import { SheetCanvas } from '../../src/datasets/sheet-canvas.ts';
import { openUserDataset, type UserDataset } from '../../src/datasets/user/index.ts';
import { tempDir } from './fixtures.ts';
import { encodeImage, writeTree } from './user-fixtures.ts';

let dir: { path: string; cleanup: () => Promise<void> };
let ds: UserDataset;
beforeAll(async () => {
  dir = await tempDir('clip-bench-preview-');
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 5; i++) files[`red/${i}.png`] = await encodeImage({ w: 16, h: 16, value: 200 });
  for (let i = 0; i < 2; i++) files[`grey/${i}.png`] = await encodeImage({ w: 40, h: 20, channels: 1, value: 60 });
  files['clear/0.png'] = await encodeImage({ w: 100, h: 100, channels: 4 });
  await writeTree(dir.path, files);
  ds = await openUserDataset(dir.path);
});
afterAll(() => dir.cleanup());

async function pixels(png: Buffer) {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { data, ...info };
}

describe('renderContactSheet', () => {
  it('produces a PNG sized from rows, cells and the label column', async () => {
    const png = await renderContactSheet(ds, 'test', { perClass: 4, cell: 32 });
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    // 3 class rows of 32 px with 4 px gaps, below a header of 2 text lines; 4 cells wide past the labels.
    expect(meta.height).toBe(16 + (2 * 16 + 6 + 14) + 3 * 32 + 2 * 4 + 16);
    expect(meta.width).toBeGreaterThanOrEqual(16 + 10 * 12 + 16 + 4 * 32 + 3 * 4 + 16);
  });

  it('writes class names in dark ink at the left of each row', async () => {
    const png = await renderContactSheet(ds, 'test', { perClass: 2, cell: 64 });
    const { data, width } = await pixels(png);
    const headerBottom = 16 + 2 * 16 + 6 + 14;
    let ink = 0;
    for (let y = headerBottom; y < headerBottom + 64; y++) {
      for (let x = 16; x < 16 + 60; x++) if (data[(y * width + x) * 3] < 128) ink++;
    }
    expect(ink).toBeGreaterThan(50);
  });

  it('shows fewer cells for a class with fewer images than perClass, and is seeded', async () => {
    const a = await renderContactSheet(ds, 'test', { perClass: 3, seed: 7 });
    const b = await renderContactSheet(ds, 'test', { perClass: 3, seed: 7 });
    expect(a.equals(b)).toBe(true);
  });

  it('maxClasses limits the rows', async () => {
    const meta = await sharp(await renderContactSheet(ds, 'test', { maxClasses: 1, cell: 32 })).metadata();
    expect(meta.height).toBe(16 + (2 * 16 + 6 + 14) + 32 + 16);
  });
});

describe('cell images', () => {
  it('grey stays grey and alpha is composited on white', () => {
    const grey = toRgbOnWhite({ data: new Uint8Array([60]), width: 1, height: 1, channels: 1 });
    expect([...grey.data]).toEqual([60, 60, 60]);
    const half = toRgbOnWhite({ data: new Uint8Array([0, 0, 0, 0, 255, 0, 0, 255]), width: 2, height: 1, channels: 4 });
    expect([...half.data]).toEqual([255, 255, 255, 255, 0, 0]);
  });

  it('small images grow by a whole factor with nearest neighbour; large ones shrink to fit', () => {
    const small = fitToCell({ data: new Uint8Array([0, 0, 0, 255, 255, 255]), width: 2, height: 1 }, 7);
    expect([small.width, small.height]).toEqual([6, 3]);
    expect([...small.data.subarray(0, 9)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const big = fitToCell({ data: new Uint8Array(200 * 100 * 3).fill(90), width: 200, height: 100 }, 64);
    expect([big.width, big.height]).toEqual([64, 32]);
    expect(big.data[0]).toBe(90);
  });
});

describe('sheet text', () => {
  /** Dark pixels of `text` drawn alone at 14 px. */
  async function glyphs(text: string) {
    const c = new SheetCanvas(40, 20, [255, 255, 255]);
    c.text(text, 2, 2, 14, [0, 0, 0]);
    const { data } = await pixels(await c.toPng());
    return Array.from(data.filter((_, i) => i % 3 === 0), (v): number => (v < 128 ? 1 : 0));
  }

  it('draws accented and Greek letters as their own glyphs, not as "?"', async () => {
    const q = await glyphs('?');
    for (const ch of ['é', 'ü', 'λ', 'Ж']) {
      const g = await glyphs(ch);
      expect(g.reduce((a, b) => a + b, 0), ch).toBeGreaterThan(5);
      expect(g, ch).not.toEqual(q);
    }
    expect(await glyphs('café')).not.toEqual(await glyphs('cafe'));
  });

  it('cuts a name too wide for its column with "…", keeping the start (fit) or the end (fitTail)', () => {
    const c = new SheetCanvas(1, 1, [255, 255, 255]);
    const name = 'ünïcödé-a-very-long-class-name';
    const cut = c.fit(name, 80, 14);
    expect(cut.endsWith('…')).toBe(true);
    expect(name.startsWith(cut.slice(0, -1))).toBe(true);
    expect(c.textWidth(cut, 14)).toBeLessThanOrEqual(80);
    expect(c.textWidth(c.fit(name, 81 + c.textWidth(name, 14), 14), 14)).toBe(c.textWidth(name, 14));
    const tail = c.fitTail('/data/sets/pets/test', 70, 14);
    expect(tail.startsWith('…') && '/data/sets/pets/test'.endsWith(tail.slice(1))).toBe(true);
  });
});
