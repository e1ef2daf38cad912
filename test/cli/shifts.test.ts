import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { main } from '../../src/cli/shifts.ts';
import { applyCorruption, corruptionSeed } from '../../src/shifts/index.ts';
import { sha256 } from '../../src/util/hash.ts';
import { PROJECT_ROOT } from '../../src/util/paths.ts';
import { tempDir } from '../datasets/fixtures.ts';
import { runMain } from './capture.ts';

const run = (argv: string[]) => runMain(main, argv);

let dir: Awaited<ReturnType<typeof tempDir>>;
let photo: string;
let photoBytes: Buffer;
let grey: string;
beforeAll(async () => {
  dir = await tempDir('clip-bench-shifts-cli-');
  // A 24×20 RGB gradient: every corruption changes something on it.
  const w = 24;
  const h = 20;
  const data = Buffer.alloc(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i % 3) * 40) % 256;
  photoBytes = await sharp(data, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
  photo = join(dir.path, 'photo.png');
  writeFileSync(photo, photoBytes);
  grey = join(dir.path, 'grey.png');
  writeFileSync(grey, await sharp(Buffer.alloc(16 * 12, 90), { raw: { width: 16, height: 12, channels: 1 } }).toColourspace('b-w').png().toBuffer());
});
afterAll(() => dir.cleanup());

async function pixels(path: string) {
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: info.channels };
}

describe('shifts list', () => {
  it('prints every corruption with its group, fidelity and five severities of each parameter', async () => {
    const r = await run(['list']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^gaussian_noise\s+15\s+seeded\s+sigma\s+0\.04\s+0\.06\s+0\.08\s+0\.09\s+0\.1\s*$/m);
    expect(r.out).toMatch(/^\s+aliasBlur\s+0\.4\s+0\.5\s+0\.6\s+0\.2\s+0\.1\s*$/m);
    expect(r.out).toMatch(/^saturate\s+extra\s+exact\s+scale/m);
    expect(r.out).toMatch(/^frost\s+15\s+procedural/m);
    expect(r.out).toMatch(/make_cifar_c\.py/);
    expect(r.out).toMatch(/frost: PROCEDURAL frost texture/);
  });

  it('lists the built-in natural shifts with their source and target datasets', async () => {
    const { out } = await run(['list']);
    expect(out).toMatch(/^quickdraw\s+cifar10\s+quickdraw\s+9\s+photos/m);
    expect(out).toMatch(/^digits\s+mnist\s+digits\s+10\s/m);
    const doc = JSON.parse((await run(['list', '--json'])).out);
    expect(doc.natural.find((n: { name: string }) => n.name === 'quickdraw').mapping.ship).toEqual(['cruise ship', 'sailboat']);
    expect(doc.imagenet.map((n: { shift: string }) => n.shift)).toEqual(['imagenetv2:<dir>', 'imagenet-sketch:<dir>', 'imagenet-r:<dir>', 'imagenet-a:<dir>', 'objectnet:<dir>']);
  });

  it('--json gives the 15 and the 4 extras with parameters per severity and the source function', async () => {
    const r = await run(['list', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.suite).toBe('CIFAR-10-C (re-implementation, seed s)');
    expect(doc.corruptions.filter((c: { group: string }) => c.group === 'corruptions')).toHaveLength(15);
    expect(doc.corruptions.filter((c: { group: string }) => c.group === 'extra').map((c: { name: string }) => c.name)).toEqual(['speckle_noise', 'gaussian_blur', 'spatter', 'saturate']);
    const jpeg = doc.corruptions.find((c: { name: string }) => c.name === 'jpeg_compression');
    expect(jpeg).toMatchObject({ fidelity: 'encoder', seeded: false, function: 'jpeg_compression()' });
    expect(jpeg.severities.map((s: { params: { quality: number } }) => s.params.quality)).toEqual([80, 65, 58, 50, 40]);
    expect(jpeg.source).toMatch(/ImageNet-C\/create_c\/make_cifar_c\.py/);
  });
});

describe('shifts apply', () => {
  it('writes the corrupted uint8 image, seeded by the file hash, split "file", the row and the seed', async () => {
    const out = join(dir.path, 'noise.png');
    const r = await run(['apply', 'gaussian_noise:3', photo, '--seed', '5', '--row', '2', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`wrote ${out}: gaussian_noise:3 of ${photo} (24×20, seed 5, row 2)\n`);
    const img = await pixels(photo);
    const key = { seed: 5, datasetIdentity: `file:${sha256(photoBytes)}`, split: 'file', row: 2, corruption: 'gaussian_noise', severity: 3 };
    const expected = await applyCorruption({ ...img, channels: 3 }, 'gaussian_noise', 3, corruptionSeed(key));
    const got = await pixels(out);
    expect([got.width, got.height, got.channels]).toEqual([24, 20, 3]);
    expect(Buffer.from(got.data).equals(Buffer.from(expected.data))).toBe(true);
    expect(Buffer.from(got.data).equals(Buffer.from(img.data))).toBe(false);
  });

  it('is repeatable, and the seed and the row change a seeded corruption', async () => {
    const at = async (name: string, ...flags: string[]) => {
      const out = join(dir.path, `${name}.png`);
      expect((await run(['apply', 'fog:4', photo, ...flags, '--out', out])).code).toBe(0);
      return Buffer.from((await pixels(out)).data);
    };
    const a = await at('a');
    expect(a.equals(await at('b'))).toBe(true);
    expect(a.equals(await at('c', '--seed', '1'))).toBe(false);
    expect(a.equals(await at('d', '--row', '1'))).toBe(false);
  });

  it('a deterministic corruption ignores the seed and says so', async () => {
    const a = join(dir.path, 'contrast-a.png');
    const b = join(dir.path, 'contrast-b.png');
    expect((await run(['apply', 'contrast:5', photo, '--out', a])).out).toMatch(/deterministic\)\n$/);
    await run(['apply', 'contrast:5', photo, '--seed', '9', '--out', b]);
    expect(Buffer.from((await pixels(a)).data).equals(Buffer.from((await pixels(b)).data))).toBe(true);
  });

  it('a grey image comes out as RGB of the same size', async () => {
    const out = join(dir.path, 'grey-snow.png');
    expect((await run(['apply', 'snow:2', grey, '--out', out])).code).toBe(0);
    const got = await pixels(out);
    expect([got.width, got.height, got.channels]).toEqual([16, 12, 3]);
  });
});

describe('shifts apply: bad input', () => {
  it.each([
    [['apply', 'fogg:3', 'IMG', '--out', 'OUT/x.png'], /^error: unknown corruption 'fogg'; known: gaussian_noise, .*saturate \(see: npm run shifts -- list\)\n$/],
    [['apply', 'fog:6', 'IMG', '--out', 'OUT/x.png'], /^error: severity '6' of fog must be an integer from 1 to 5 \(e\.g\. fog:3\)\n$/],
    [['apply', 'fog:0', 'IMG', '--out', 'OUT/x.png'], /^error: severity '0' of fog/],
    [['apply', 'fog', 'IMG', '--out', 'OUT/x.png'], /^error: apply takes one corruption with its severity, e\.g\. fog:3 \(got 'fog'\)/],
    [['apply', 'fog:3', 'OUT/missing.png', '--out', 'OUT/x.png'], /^error: cannot read image .*missing\.png: ENOENT\n$/],
    [['apply', 'fog:3', 'OUT/not-an-image.png', '--out', 'OUT/x.png'], /^error: cannot decode image .*not-an-image\.png: /],
    [['apply', 'fog:3', 'IMG', '--out', 'OUT'], /^error: --out .*: .* is a directory; give a file name\n$/],
    [['apply', 'fog:3', 'IMG', '--out', 'OUT/x.jpg'], /^error: --out .*x\.jpg: apply writes PNG; give a file name ending in \.png\n$/],
    [['apply', 'fog:3', 'IMG'], /^error: apply needs --out <file\.png>/],
    [['apply', 'fog:3', 'IMG', '--seed', '-1', '--out', 'OUT/x.png'], /^error: --seed must be an integer ≥ 0, got -1\n$/],
    [['apply', 'fog:3', '--out', 'OUT/x.png'], /^error: apply takes <name>:<severity> and one image \(got 1 arguments\)/],
  ])('%j: one error line, exit 2, nothing written', async (argv, line) => {
    const out = join(dir.path, 'bad');
    if (!existsSync(out)) {
      mkdirSync(out);
      writeFileSync(join(out, 'not-an-image.png'), 'not an image\n');
    }
    const r = await run(argv.map((a) => a.replace('IMG', photo).replace('OUT', out)));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(line);
    expect(r.err.split('\n')).toHaveLength(2);
    expect(r.out).toBe('');
    expect(readdirSync(out)).toEqual(['not-an-image.png']);
  });
});

describe('npm run shifts as a process', () => {
  it('exits 2 with one error line and no stack on a bad severity', async () => {
    const r = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src/cli/shifts.ts'), 'apply', 'fog:9', photo, '--out', join(dir.path, 'p.png')], { cwd: PROJECT_ROOT }).catch((e) => e);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: severity '9' of fog must be an integer from 1 to 5 (e.g. fog:3)\n");
  });
});
