import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyCorruption, corruptionSeed } from '../../src/shifts/index.ts';
import { FIXTURES, inputImage } from './fixtures.ts';

interface Row {
  meanAbs: number;
  seAbs: number;
}

interface Stats {
  images: string[];
  draws: number;
  corruptions: Record<string, Row[]>;
}

// The original functions with np.random (bench/dev/gen-corruption-refs.py): the mean |out − in| per
// severity over the same images, with its standard error from the draw-to-draw spread. Different
// draws, same distributions: the two means must agree within sampling error.
const STATS: Stats = JSON.parse(readFileSync(join(FIXTURES, 'seeded_stats.json'), 'utf8'));

/** Allowed gap: Z combined standard errors, plus 1% of the value for float32/float64 and rounding details. */
const Z = 4;
const REL = 0.01;

async function measure(name: string, severity: number): Promise<Row> {
  const perImage: number[][] = [];
  for (const image of STATS.images) {
    const input = inputImage(image);
    const values: number[] = [];
    for (let d = 0; d < STATS.draws; d++) {
      const seed = corruptionSeed({ seed: 1, datasetIdentity: 'fixture', split: 'test', row: d, corruption: name, severity });
      const out = await applyCorruption(input, name, severity, seed);
      let abs = 0;
      for (let i = 0; i < out.data.length; i++) abs += Math.abs(out.data[i] - input.data[i]);
      values.push(abs / out.data.length);
    }
    perImage.push(values);
  }
  const k = perImage.length;
  const mean = perImage.flat().reduce((a, b) => a + b, 0) / (k * STATS.draws);
  let v = 0;
  for (const values of perImage) {
    const m = values.reduce((a, b) => a + b, 0) / values.length;
    v += values.reduce((a, b) => a + (b - m) ** 2, 0) / (values.length - 1) / values.length;
  }
  return { meanAbs: mean, seAbs: Math.sqrt(v) / k };
}

describe('seeded corruptions change images as much as the originals do', () => {
  for (const [name, rows] of Object.entries(STATS.corruptions)) {
    it(`${name}: mean |change| per severity agrees with make_cifar_c.py's within sampling error`, async () => {
      for (let s = 1; s <= 5; s++) {
        const ours = await measure(name, s);
        const ref = rows[s - 1];
        const allowed = Z * Math.hypot(ours.seAbs, ref.seAbs) + REL * ref.meanAbs;
        expect(Math.abs(ours.meanAbs - ref.meanAbs), `severity ${s}: ours ${ours.meanAbs.toFixed(3)} ± ${ours.seAbs.toFixed(3)}, original ${ref.meanAbs} ± ${ref.seAbs}`).toBeLessThanOrEqual(allowed);
      }
    }, 60_000);
  }
});
