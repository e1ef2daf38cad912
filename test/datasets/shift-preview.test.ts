import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { renderShiftSheet, shiftGrid } from '../../src/datasets/preview.ts';
import { corruptionShift } from '../../src/features/shift.ts';
import { applyCorruption, corruptionSeed } from '../../src/shifts/index.ts';
import { memoryDataset } from '../helpers/memory-dataset.ts';

const ds = memoryDataset({ test: 40, classes: ['cat', 'dog', 'car'], size: 16 });
const shifts = (seed: number) => [corruptionShift({ corruption: 'gaussian_noise', severity: 3 }, seed), corruptionShift({ corruption: 'contrast', severity: 2 }, seed)];
const same = (a: { data: Uint8Array }, b: { data: Uint8Array }) => Buffer.from(a.data).equals(Buffer.from(b.data));

describe('shiftGrid', () => {
  it('holds the pixels the pipeline encodes: the corruption seeded by (seed, dataset identity, split, row)', async () => {
    const grid = await shiftGrid(ds, 'test', shifts(4), { images: 4 });
    for (let col = 0; col < grid.indices.length; col++) {
      const row = grid.indices[col];
      const clean = ds.image('test', row);
      expect(same(grid.rows[0][col], clean)).toBe(true);
      const key = { seed: 4, datasetIdentity: ds.identity('test'), split: 'test', row, corruption: 'gaussian_noise', severity: 3 };
      expect(same(grid.rows[1][col], await applyCorruption(clean, 'gaussian_noise', 3, corruptionSeed(key)))).toBe(true);
      expect(same(grid.rows[2][col], await applyCorruption(clean, 'contrast', 2, 0))).toBe(true);
    }
  });

  it('picks one image per class in turn, seeded, and a shifted image does not depend on how many are shown', async () => {
    const few = await shiftGrid(ds, 'test', shifts(0), { images: 2, seed: 9 });
    const many = await shiftGrid(ds, 'test', shifts(0), { images: 7, seed: 9 });
    expect(many.labels.slice(0, 6)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(many.indices.slice(0, 2)).toEqual(few.indices);
    expect(same(many.rows[1][1], few.rows[1][1])).toBe(true);
    expect((await shiftGrid(ds, 'test', shifts(0), { images: 7, seed: 10 })).indices).not.toEqual(many.indices);
  });

  it('shows every image of a split smaller than --images', async () => {
    const grid = await shiftGrid(memoryDataset({ test: 3, size: 8 }), 'test', shifts(0), { images: 8 });
    expect([...grid.indices].sort()).toEqual([0, 1, 2]);
  });
});

describe('renderShiftSheet', () => {
  it('one row per shift below the clean row, one column per image', async () => {
    const meta = async (n: number, images: number) => sharp(await renderShiftSheet(ds, 'test', shifts(0).slice(0, n), { images, cell: 32 })).metadata();
    const a = await meta(1, 3);
    const b = await meta(2, 3);
    const c = await meta(2, 12);
    const d = await meta(2, 10);
    expect(a.format).toBe('png');
    expect(b.height! - a.height!).toBe(32 + 4);
    expect(c.width! - d.width!).toBe(2 * (32 + 4));
  });

  it('is reproducible, and the shift seed changes the seeded rows', async () => {
    const a = await renderShiftSheet(ds, 'test', shifts(1), { images: 3 });
    expect(a.equals(await renderShiftSheet(ds, 'test', shifts(1), { images: 3 }))).toBe(true);
    expect(a.equals(await renderShiftSheet(ds, 'test', shifts(2), { images: 3 }))).toBe(false);
  });
});
