/** Reads test/fixtures/shifts (written by bench/dev/gen-corruption-refs.py). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RawImage } from '../../src/datasets/types.ts';
import { decodeNpy } from '../../src/util/npy.ts';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'shifts');

export interface Cases {
  images: Record<string, number[]>;
  corruptions: string[];
  jpegQualities: number[];
  motionCases: [number, number, number][];
  versions: Record<string, string>;
}

export const CASES: Cases = JSON.parse(readFileSync(join(FIXTURES, 'cases.json'), 'utf8'));

export function readU8(file: string): { data: Uint8Array; shape: number[] } {
  const path = join(FIXTURES, file);
  const { data, shape } = decodeNpy(readFileSync(path), path);
  if (!(data instanceof Uint8Array)) throw new Error(`${file}: expected uint8`);
  return { data, shape };
}

export function inputImage(name: string): RawImage {
  const { data, shape } = readU8(`input_${name}.npy`);
  return { data, width: shape[1], height: shape[0], channels: 3 };
}

/** The reference output for severity s (1-based) of a stacked [5, H, W, 3] fixture. */
export function stackedAt(file: string, s: number): Uint8Array {
  const { data, shape } = readU8(file);
  const n = shape.slice(1).reduce((a, b) => a * b, 1);
  return data.subarray((s - 1) * n, s * n);
}

export function maxAbsDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
