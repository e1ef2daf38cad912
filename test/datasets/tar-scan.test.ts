/** One sequential pass over a shard: its members and offsets, the kept labels and its SHA-256, across 1 MiB chunk boundaries. */
import { mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTarMember, scanTar } from '../../src/datasets/tar-members.ts';
import { UserError } from '../../src/util/errors.ts';
import { sha256 } from '../../src/util/hash.ts';
import { tempDir } from './fixtures.ts';

let dir: { path: string; cleanup: () => Promise<void> };
const contents: Record<string, Buffer> = {};

beforeAll(async () => {
  dir = await tempDir('clip-bench-tar-scan-');
  const stage = join(dir.path, 'stage');
  await mkdir(join(stage, 'a'.repeat(120)), { recursive: true });
  // Members larger than a chunk, odd sizes (headers then fall mid-chunk) and a name too long for ustar (a pax header).
  const sizes = [1_500_000, 3, 700_001, 2_100_000, 1];
  sizes.forEach((n, i) => {
    const body = Buffer.alloc(n);
    for (let j = 0; j < n; j++) body[j] = (j * 31 + i) & 255;
    contents[`s${i}.webp`] = body;
    contents[`s${i}.cls`] = Buffer.from(String(i));
  });
  contents[`${'a'.repeat(120)}/${'b'.repeat(100)}.cls`] = Buffer.from('7');
  for (const [name, body] of Object.entries(contents)) await writeFile(join(stage, name), body);
  await tar.c({ file: join(dir.path, 'x.tar'), cwd: stage, portable: true, mtime: new Date(0) }, Object.keys(contents));
});
afterAll(() => dir.cleanup());

describe('scanTar', () => {
  it('lists every member with its offset, keeps the chosen ones and hashes the whole file in the same pass', async () => {
    const path = join(dir.path, 'x.tar');
    const scan = await scanTar(path, { hash: true, keep: (n) => n.endsWith('.cls') });
    expect(scan.members.map((m) => m.name)).toEqual(Object.keys(contents));
    for (const m of scan.members) expect(sha256(await readTarMember(path, m))).toBe(sha256(contents[m.name]));
    expect([...scan.kept.keys()]).toEqual(Object.keys(contents).filter((n) => n.endsWith('.cls')));
    for (const [n, b] of scan.kept) expect(b.toString()).toBe(contents[n].toString());
    expect(scan.sha256).toBe(sha256(await readFile(path)));
    expect((await scanTar(path)).sha256).toBeUndefined();
  });

  it('a shard cut inside a member is refused, naming the member header', async () => {
    const path = join(dir.path, 'cut.tar');
    await writeFile(path, await readFile(join(dir.path, 'x.tar')));
    await truncate(path, 1_000_000);
    const err = await scanTar(path, { hash: true }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe(`shard ${path} is cut short (the member at byte 0 runs past the end of the file); re-download or re-export it`);
  });
});
