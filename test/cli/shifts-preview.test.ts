import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { main } from '../../src/cli/datasets.ts';
import { tempDir } from '../datasets/fixtures.ts';
import { encodeImage, writeTree } from '../datasets/user-fixtures.ts';
import { runMain } from './capture.ts';

const run = (argv: string[]) => runMain(main, argv);

let dir: Awaited<ReturnType<typeof tempDir>>;
let photos: string;
beforeAll(async () => {
  dir = await tempDir('clip-bench-shift-preview-');
  photos = join(dir.path, 'photos');
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 3; i++) files[`cat/${i}.png`] = await encodeImage({ w: 20, h: 20, value: 40 + 50 * i });
  for (let i = 0; i < 3; i++) files[`dog/${i}.png`] = await encodeImage({ w: 20, h: 20, value: 30 + 60 * i });
  await writeTree(photos, files);
});
afterAll(() => dir.cleanup());

describe('npm run datasets -- preview --shift', () => {
  it('writes a clean-vs-shifted sheet, taller by one row per shift', async () => {
    const one = join(dir.path, 'one.png');
    const two = join(dir.path, 'two.png');
    const r = await run(['preview', photos, '--shift', 'fog:3', '--images', '4', '--out', one]);
    expect(r).toEqual({ code: 0, out: `wrote ${one}\n`, err: '' });
    expect((await run(['preview', photos, '--shift', 'fog:3,contrast:1', '--images', '4', '--out', two])).code).toBe(0);
    const [a, b] = [await sharp(one).metadata(), await sharp(two).metadata()];
    expect(b.height! - a.height!).toBe(64 + 4);
    expect(b.width).toBe(a.width);
  });

  it('--shift-seed changes the seeded corruptions, and the same seed gives the same sheet', async () => {
    const sheet = async (name: string, seed: string) => {
      const out = join(dir.path, name);
      expect((await run(['preview', photos, '--shift', 'gaussian_noise:5', '--shift-seed', seed, '--out', out])).code).toBe(0);
      return sharp(out).raw().toBuffer();
    };
    const a = await sheet('s1.png', '1');
    expect(a.equals(await sheet('s1-again.png', '1'))).toBe(true);
    expect(a.equals(await sheet('s2.png', '2'))).toBe(false);
  });

  it.each([
    [['--shift', 'fogg:2'], /^error: --shift: unknown corruption 'fogg'/],
    [['--shift', 'fog:9'], /^error: --shift: severity '9' of fog must be an integer from 1 to 5/],
    [['--shift', 'fog:1,quickdraw'], /^error: --shift quickdraw: preview --shift shows corruptions; a natural shift is another dataset, see it with npm run datasets -- preview quickdraw --out quickdraw\.png\n$/],
    [['--shift', 'map:pairs.json'], /^error: --shift map:pairs\.json: preview --shift shows corruptions; .* preview <target dataset>/],
    [['--shift', 'fog:2', '--per-class', '3'], /^error: --per-class does not apply with --shift; choose how many images with --images <n>\n$/],
    [['--images', '3'], /^error: --images only applies with --shift <spec>\n$/],
    [['--shift-seed', '3'], /^error: --shift-seed only applies with --shift <spec>\n$/],
    [['--shift', 'fog:2', '--shift-seed', '-1'], /^error: --shift-seed must be an integer ≥ 0, got -1\n$/],
    [['--shift', 'fog:2', '--images', '0'], /^error: --images must be an integer ≥ 1, got 0\n$/],
  ])('%j: one error line, exit 2, before the dataset is opened', async (flags, line) => {
    const out = join(dir.path, 'never.png');
    const r = await run(['preview', join(dir.path, 'no-such-folder'), ...flags, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(line);
    expect(r.err.split('\n')).toHaveLength(2);
    expect(existsSync(out)).toBe(false);
  });

  it('images too small to corrupt: one error line, exit 2, nothing written', async () => {
    const tiny = join(dir.path, 'tiny');
    await writeTree(tiny, { 'a/0.png': await encodeImage({ w: 3, h: 3 }) });
    const out = join(dir.path, 'tiny.png');
    const r = await run(['preview', tiny, '--shift', 'fog:1', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: image: 3×3 images are too small to corrupt (each side must be at least 4 pixels)\n');
    expect(existsSync(out)).toBe(false);
  });
});
