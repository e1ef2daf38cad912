import { describe, expect, it } from 'vitest';
import { prepareDatasets } from '../../src/pipeline/bench.ts';
import { UserError } from '../../src/util/errors.ts';
import { memoryDataset } from '../helpers/memory-dataset.ts';
import { testBenchOptions } from '../helpers/bench-options.ts';

describe('bench: a prompt list that names no class is refused while the datasets are prepared, before any encoding', () => {
  it('an empty class name', async () => {
    const ds = memoryDataset({ test: 6, classes: ['cat', '', 'car'] });
    let read = false;
    const watched = { ...ds, read: (...a: Parameters<typeof ds.read>) => ((read = true), ds.read(...a)) };
    const err = await prepareDatasets(testBenchOptions({ datasets: [watched] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^class 1 has an empty name/);
    expect(read).toBe(false);
  });

  it('a template without {}', async () => {
    const ds = { ...memoryDataset({ test: 6 }), templates: ['a photo of a {}.', 'a photo.'] };
    await expect(prepareDatasets(testBenchOptions({ datasets: [ds] }))).rejects.toThrow(/template "a photo\." has no \{\} placeholder/);
  });

  it('without zero-shot the class names are not needed as prompts', async () => {
    const ds = memoryDataset({ test: 6, classes: ['cat', '', 'car'] });
    await expect(prepareDatasets(testBenchOptions({ datasets: [ds], zeroShot: false }))).resolves.toHaveLength(1);
  });
});
