/** A tiny image-folder dataset (train/test × 2 classes × 3 PNGs) for CLI tests that need a dataset but no network. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

export async function writeTinyFolder(dir: string, opts: { corrupt?: boolean } = {}): Promise<string> {
  for (const split of ['train', 'test']) {
    for (const c of ['a', 'b']) {
      const p = join(dir, split, c);
      mkdirSync(p, { recursive: true });
      for (let i = 0; i < 3; i++) {
        const value = i * 40 + (c === 'a' ? 0 : 100);
        await sharp(Buffer.alloc(8 * 8 * 3, value), { raw: { width: 8, height: 8, channels: 3 } }).png().toFile(join(p, `${i}.png`));
      }
    }
  }
  if (opts.corrupt) writeFileSync(join(dir, 'test', 'a', 'broken.png'), 'not a png');
  return dir;
}

/**
 * One 16×16 seeded-pattern PNG per name in `dir` and an open_clip captions.tsv giving each two captions
 * ("a <name> square", "something <name>"); returns the TSV's path.
 */
export async function writeCaptionedImages(dir: string, names: string[]): Promise<string> {
  mkdirSync(dir, { recursive: true });
  for (const [i, c] of names.entries()) await sharp(Buffer.from(Array.from({ length: 16 * 16 * 3 }, (_, p) => (p * (i + 2) * 11) % 256)), { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(join(dir, `${c}.png`));
  const tsv = join(dir, 'captions.tsv');
  writeFileSync(tsv, ['filepath\ttitle', ...names.flatMap((c) => [`${c}.png\ta ${c} square`, `${c}.png\tsomething ${c}`])].join('\n') + '\n');
  return tsv;
}
