/** Container files (tar shards, parquet files) are hashed once per open, and not at all when their hash is already known. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listParquet } from '../../src/datasets/formats/parquet.ts';
import { listWebdataset } from '../../src/datasets/formats/webdataset.ts';
import { openUserDataset } from '../../src/datasets/user/index.ts';
import { sha256 } from '../../src/util/hash.ts';
import { tempDir } from './fixtures.ts';
import { makeSamples, writeAsParquet, writeAsWebdataset } from './format-fixtures.ts';

const CLASSES = ['apple', 'banana', 'cherry'];
let dir: { path: string; cleanup: () => Promise<void> };
const FAKE = 'f'.repeat(64);

beforeAll(async () => {
  dir = await tempDir('clip-bench-container-hash-');
  const samples = await makeSamples({ classes: 3, perClass: { test: 2 } });
  await writeAsWebdataset(join(dir.path, 'wds'), samples, CLASSES, { shards: 2 });
  await writeAsParquet(join(dir.path, 'pq'), samples, CLASSES);
});
afterAll(() => dir.cleanup());

describe('container hashes', () => {
  it('a shard is hashed whole once, and its members carry that hash instead of being hashed again', async () => {
    const ds = await openUserDataset(`wds:${join(dir.path, 'wds')}`);
    const shard0 = sha256(await readFile(join(dir.path, 'wds', 'test', '0.tar')));
    expect(ds.provenance.files).toContainEqual({ path: 'test/0.tar', size: (await readFile(join(dir.path, 'wds', 'test', '0.tar'))).length, sha256: shard0 });
    const listed = await listWebdataset(join(dir.path, 'wds'), undefined, undefined);
    expect(listed.files.filter((f) => f.rel.startsWith('test/0.tar/')).map((f) => f.containerSha256)).toEqual(Array(3).fill(shard0));
  });

  it('a known SHA-256 (a hub snapshot) is taken when the size matches, the file hashed when it does not', async () => {
    const root = join(dir.path, 'wds');
    const size = (await readFile(join(root, 'test', '0.tar'))).length;
    const known = new Map([['test/0.tar', { size, sha256: FAKE }], ['test/1.tar', { size: 1, sha256: FAKE }]]);
    const listed = await listWebdataset(root, undefined, undefined, { knownSha256: known });
    expect(listed.containers!.map((c) => [c.rel, c.sha256 === FAKE])).toEqual([['test/0.tar', true], ['test/1.tar', false]]);
    expect(listed.containers![1].sha256).toBe(sha256(await readFile(join(root, 'test', '1.tar'))));
    expect(new Set(listed.files.filter((f) => f.rel.startsWith('test/0.tar/')).map((f) => f.containerSha256))).toEqual(new Set([FAKE]));
  });

  it('parquet files take a known SHA-256 too, and their rows carry it', async () => {
    const root = join(dir.path, 'pq');
    const listed0 = await listParquet(root, undefined, undefined);
    const rel = listed0.containers![0].rel;
    const listed = await listParquet(root, undefined, undefined, { knownSha256: new Map([[rel, { size: listed0.containers![0].size, sha256: FAKE }]]) });
    expect(listed.containers![0].sha256).toBe(FAKE);
    expect(listed0.containers![0].sha256).toBe(sha256(await readFile(join(root, rel))));
    expect(new Set(listed.files.map((f) => f.containerSha256))).toEqual(new Set([FAKE]));
  });
});
