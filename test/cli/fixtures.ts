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
