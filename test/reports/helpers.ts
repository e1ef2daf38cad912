import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResults } from '../../src/results/schema.ts';

export const FIXTURES = join(import.meta.dirname, '../fixtures/reports');
export const TINY_A = join(FIXTURES, 'tiny-a.json');
export const TINY_B = join(FIXTURES, 'tiny-b.json');

export async function readFixture(file: string): Promise<BenchResults> {
  return JSON.parse(await readFile(file, 'utf8'));
}

export async function tempDir(): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'clip-reports-'));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
export function pngSize(png: Buffer): { width: number; height: number } {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (!png.subarray(0, 8).equals(signature)) throw new Error('not a PNG');
  if (png.toString('latin1', 12, 16) !== 'IHDR') throw new Error('PNG without IHDR first');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Parse the simple CSV this module writes (quoted fields may hold commas and quotes). */
export function parseCsv(text: string): Record<string, string>[] {
  const lines: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(cell), (cell = '');
    else if (ch === '\n') row.push(cell), lines.push(row), (row = []), (cell = '');
    else cell += ch;
  }
  const [header, ...rest] = lines;
  return rest.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}
