import { describe, expect, it } from 'vitest';
import type { RawImage } from '../../src/datasets/types.ts';
import { applyCorruption, CORRUPTIONS, corruptionSeed, type CorruptionKey } from '../../src/shifts/index.ts';
import { poisson } from '../../src/shifts/random.ts';
import { UserError } from '../../src/util/errors.ts';
import { Rng } from '../../src/util/rng.ts';
import { inputImage } from './fixtures.ts';

function flat(width: number, height: number, value: number): RawImage {
  return { data: new Uint8Array(width * height * 3).fill(value), width, height, channels: 3 };
}

/** Std of (out − in) over all values. */
function noiseStd(out: Uint8Array, input: Uint8Array): number {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < out.length; i++) {
    const d = out[i] - input[i];
    s += d;
    s2 += d * d;
  }
  const mean = s / out.length;
  return Math.sqrt(s2 / out.length - mean * mean);
}

const KEY: CorruptionKey = { seed: 7, datasetIdentity: 'cifar10:test:abc', split: 'test', row: 12, corruption: 'gaussian_noise', severity: 3 };

describe('noise strength matches make_cifar_c.py', () => {
  const grey = flat(96, 96, 128);

  it('gaussian_noise:3 adds σ = 0.08·255 on mid-grey', async () => {
    const out = await applyCorruption(grey, 'gaussian_noise', 3, corruptionSeed(KEY));
    expect(noiseStd(out.data, grey.data) / (0.08 * 255)).toBeCloseTo(1, 1);
    expect(Math.abs(noiseStd(out.data, grey.data) / (0.08 * 255) - 1)).toBeLessThan(0.03);
  });

  it('speckle_noise:5 adds σ = 0.2·x on mid-grey', async () => {
    const out = await applyCorruption(grey, 'speckle_noise', 5, 11);
    expect(Math.abs(noiseStd(out.data, grey.data) / (0.2 * 128) - 1)).toBeLessThan(0.03);
  });

  it('shot_noise:3 has the Poisson spread 255·√(x/100) on mid-grey', async () => {
    const out = await applyCorruption(grey, 'shot_noise', 3, 12);
    expect(Math.abs(noiseStd(out.data, grey.data) / (255 * Math.sqrt(128 / 255 / 100)) - 1)).toBeLessThan(0.03);
  });

  it('impulse_noise:4 sets about 5% of values to 0 or 255, half each', async () => {
    const out = await applyCorruption(grey, 'impulse_noise', 4, 13);
    const salt = out.data.filter((v) => v === 255).length / out.data.length;
    const pepper = out.data.filter((v) => v === 0).length / out.data.length;
    expect(Math.abs(salt + pepper - 0.05)).toBeLessThan(0.005);
    expect(Math.abs(salt - pepper)).toBeLessThan(0.005);
  });

  it('poisson draws have mean and variance λ, below and above the PTRS switch at 10', () => {
    const rng = new Rng(5);
    for (const lam of [3.5, 40, 500]) {
      const xs = Array.from({ length: 40000 }, () => poisson(rng, lam));
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
      expect(Math.abs(mean / lam - 1), `mean at ${lam}`).toBeLessThan(0.02);
      expect(Math.abs(v / lam - 1), `variance at ${lam}`).toBeLessThan(0.04);
    }
  });
});

describe('seeding', () => {
  const image = inputImage('cifar4821');
  const seeded = CORRUPTIONS.filter((c) => c.seeded).map((c) => c.name);

  it.each(seeded)('%s: the same key gives identical bytes, another row different ones', async (name) => {
    for (const severity of [1, 5]) {
      const key = { ...KEY, corruption: name, severity };
      const a = await applyCorruption(image, name, severity, corruptionSeed(key));
      const b = await applyCorruption(image, name, severity, corruptionSeed(key));
      const c = await applyCorruption(image, name, severity, corruptionSeed({ ...key, row: key.row + 1 }));
      expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
      expect(Buffer.from(a.data).equals(Buffer.from(c.data)), `severity ${severity}`).toBe(false);
    }
  });

  it('corruptionSeed changes with every field of the key', () => {
    const base = corruptionSeed(KEY);
    const variants: Partial<CorruptionKey>[] = [
      { seed: 8 }, { datasetIdentity: 'cifar10:test:abd' }, { split: 'train' }, { row: 13 }, { corruption: 'shot_noise' }, { severity: 4 },
    ];
    for (const v of variants) expect(corruptionSeed({ ...KEY, ...v }), JSON.stringify(v)).not.toBe(base);
  });

  it.each(CORRUPTIONS.filter((c) => !c.seeded).map((c) => c.name))('%s ignores the seed', async (name) => {
    const a = await applyCorruption(image, name, 3, 1);
    const b = await applyCorruption(image, name, 3, 2);
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
  });

  it("glass_blur copies neighbours rather than swapping them (the original's NumPy-view quirk)", async () => {
    // 1024 distinct colours; a swap would keep them all, a copy duplicates some and loses others.
    const data = new Uint8Array(32 * 32 * 3);
    for (let i = 0; i < 1024; i++) data.set([(i & 31) * 8, (i >> 5) * 8, 128], i * 3);
    const out = await applyCorruption({ data, width: 32, height: 32, channels: 3 }, 'glass_blur', 1, 3);
    const colours = new Set<number>();
    for (let i = 0; i < 1024; i++) colours.add((out.data[i * 3] << 16) | (out.data[i * 3 + 1] << 8) | out.data[i * 3 + 2]);
    expect(colours.size).toBeLessThan(800);
  });
});

describe('any image size and channel count', () => {
  const grey: RawImage = { data: inputImage('grey28').data.filter((_, i) => i % 3 === 0), width: 28, height: 28, channels: 1 };
  const rgba: RawImage = { data: new Uint8Array(40 * 23 * 4).map((_, i) => (i * 37) % 251), width: 40, height: 23, channels: 4 };

  it.each(CORRUPTIONS.map((c) => c.name))('%s returns RGB of the input size for 28×28 grey and 40×23 RGBA', async (name) => {
    for (const img of [grey, rgba]) {
      for (let s = 1; s <= 5; s++) {
        const out = await applyCorruption(img, name, s, 99);
        expect({ w: out.width, h: out.height, c: out.channels, n: out.data.length }).toEqual({ w: img.width, h: img.height, c: 3, n: img.width * img.height * 3 });
      }
    }
  });

  it('refuses images smaller than 4 pixels on a side, and severities outside 1-5', async () => {
    await expect(applyCorruption(flat(3, 10, 0), 'fog', 1, 0)).rejects.toThrow(/3×10 images are too small to corrupt/);
    await expect(applyCorruption(flat(8, 8, 0), 'fog', 6, 0)).rejects.toThrow(UserError);
    await expect(applyCorruption(flat(8, 8, 0), 'fogg', 1, 0)).rejects.toThrow(/unknown corruption 'fogg'/);
  });
});
