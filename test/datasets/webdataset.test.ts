import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickFormat } from '../../src/datasets/formats/index.ts';
import { listTarMembers } from '../../src/datasets/tar-members.ts';
import { openDataset } from '../../src/datasets/resolve.ts';
import type { Dataset, Split } from '../../src/datasets/types.ts';
import { main as benchMain } from '../../src/cli/bench.ts';
import { UserError } from '../../src/util/errors.ts';
import { runMain } from '../cli/capture.ts';
import { sha256 } from '../../src/util/hash.ts';
import { tempDir } from './fixtures.ts';
import { makeSamples, writeAsFolder, writeAsWebdataset, type Sample } from './format-fixtures.ts';

const CLASSES = ['apple', 'banana', 'cherry'];
let dir: { path: string; cleanup: () => Promise<void> };
let samples: Sample[];
const wds = () => join(dir.path, 'wds');

beforeAll(async () => {
  dir = await tempDir('clip-bench-wds-');
  samples = await makeSamples({ classes: 3, perClass: { train: 3, test: 2 } });
  await writeAsWebdataset(wds(), samples, CLASSES, { shards: 3 });
  await writeAsFolder(join(dir.path, 'folder'), samples, CLASSES);
});
afterAll(() => dir.cleanup());

async function pixels(ds: Dataset, split: Split, indices?: number[]) {
  const out: { index: number; label: number; hash: string; w: number; c: number }[] = [];
  for await (const x of ds.read(split, indices)) out.push({ index: x.index, label: x.label, hash: sha256(x.image.data), w: x.image.width, c: x.image.channels });
  return out;
}

async function failure(p: Promise<unknown>): Promise<string> {
  const err = await p.catch((e) => e);
  expect(err).toBeInstanceOf(UserError);
  return (err as UserError).message;
}

/** A fresh webdataset of the same samples, changed by `mutate` or by a file written afterwards. */
async function variant(name: string, opts: Parameters<typeof writeAsWebdataset>[3] = {}): Promise<string> {
  const root = join(dir.path, name);
  await writeAsWebdataset(root, samples, CLASSES, opts);
  return root;
}

describe('CLIP_benchmark webdatasets (wds:<dir>)', () => {
  it('lists shard members by offset: a key per sample, image and .cls side by side', async () => {
    const members = await listTarMembers(join(wds(), 'test', '0.tar'));
    const test = samples.filter((x) => x.split === 'test');
    expect(members.map((m) => m.name)).toEqual([`s0000000.${test[0].format}`, 's0000000.cls', `s0000001.${test[1].format}`, 's0000001.cls']);
    expect(new Set(test.map((x) => x.format))).toEqual(new Set(['webp', 'png']));
    const tarBytes = await readFile(join(wds(), 'test', '0.tar'));
    const cls = members[1];
    expect(tarBytes.subarray(cls.offset, cls.offset + cls.size).toString()).toBe('0');
    expect(tarBytes.subarray(members[0].offset, members[0].offset + members[0].size).equals(test[0].image)).toBe(true);
  });

  it('is detected from its layout, and reads classnames.txt and the {c} templates', async () => {
    expect((await pickFormat(wds())).format.name).toBe('wds');
    const ds = await openDataset(wds());
    expect(ds.classes).toEqual(CLASSES);
    expect(ds.templates).toEqual(['a photo of a {}.', 'a blurry photo of a {}.']);
    expect(ds.splits).toEqual(['train', 'test']);
    expect(await ds.size('train')).toBe(9);
    expect([...(await ds.labels('test'))]).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it('decodes to the same pixels, labels and order as the same images in a folder, over several shards of WebP and PNG members', async () => {
    const a = await openDataset(`wds:${wds()}`);
    const b = await openDataset(join(dir.path, 'folder'));
    for (const split of ['train', 'test'] as const) {
      const [pa, pb] = [await pixels(a, split), await pixels(b, split)];
      expect(pa.length).toBe(samples.filter((x) => x.split === split).length);
      expect(pa).toEqual(pb);
    }
    expect(await pixels(a, 'train', [1, 5, 8])).toEqual(await pixels(b, 'train', [1, 5, 8]));
  });

  it('records each shard with its SHA-256 and size, and a changed shard changes the identity', async () => {
    const ds = await openDataset(wds());
    const shard = join(wds(), 'test', '1.tar');
    const bytes = await readFile(shard);
    expect(ds.provenance.source).toBe(`wds:${wds()}`);
    expect(ds.provenance.files).toContainEqual({ path: 'test/1.tar', size: bytes.length, sha256: sha256(bytes) });
    const other = await variant('relabelled', { mutate: (split, key, m) => split === 'test' && key === 's0000001' && (m.cls = '1') });
    const ds2 = await openDataset(other);
    expect(ds2.identity('train')).toBe(ds.identity('train'));
    expect(ds2.identity('test')).not.toBe(ds.identity('test'));
  });

  it('rejects a shard that is not a tar, naming it', async () => {
    const root = await variant('not-tar');
    await writeFile(join(root, 'test', '1.tar'), 'this is not a tar file\n'.repeat(40));
    expect(await failure(openDataset(root))).toBe(`shard ${join(root, 'test', '1.tar')} is not a tar file (no valid tar header at its start); a webdataset shard is an uncompressed .tar — re-download or re-export it`);
  });

  it('on the command line a bad shard is one error line and exit 2', async () => {
    const root = await variant('cli-not-tar');
    await writeFile(join(root, 'train', '0.tar'), Buffer.alloc(2048, 7));
    const r = await runMain(benchMain, ['--dataset', `wds:${root}`, '--shots', '1', '--seeds', '1', '--no-cache', '--out', join(dir.path, 'cli-out')]);
    expect(r.code).toBe(2);
    expect(r.err.split('\n').filter((l) => l.startsWith('error:'))).toEqual([`error: shard ${join(root, 'train', '0.tar')} is not a tar file (no valid tar header at its start); a webdataset shard is an uncompressed .tar — re-download or re-export it`]);
  });

  it('rejects a sample without a label, and a label outside classnames.txt', async () => {
    const noLabel = await variant('no-label', { mutate: (split, key, m) => split === 'test' && key === 's0000002' && delete m.cls });
    expect(await failure(openDataset(noLabel))).toBe(`shard ${join(noLabel, 'test', '1.tar')}: sample "s0000002" has an image (s0000002.${samples.filter((x) => x.split === 'test')[2].format}) but no .cls label; re-export the shard with a label per sample`);
    const outside = await variant('outside', { mutate: (split, key, m) => split === 'test' && key === 's0000004' && (m.cls = '3') });
    expect(await failure(openDataset(outside))).toBe(
      `shard ${join(outside, 'test', '2.tar')}: s0000004.cls says label 3, but ${join(outside, 'classnames.txt')} names only 3 classes (0–2); fix the label or classnames.txt`,
    );
  });

  it('rejects a missing shard that nshards.txt promises, and a retrieval webdataset', async () => {
    const root = await variant('short');
    await writeFile(join(root, 'test', 'nshards.txt'), '4\n');
    expect(await failure(openDataset(root))).toBe(`shard ${join(root, 'test', '3.tar')} is missing (${join(root, 'test', 'nshards.txt')} says 4); download the missing shard or fix nshards.txt`);
    await writeFile(join(root, 'dataset_type.txt'), 'retrieval\n');
    expect(await failure(openDataset(root))).toMatch(/dataset_type\.txt says "retrieval"; only classification webdatasets/);
  });

  it('a damaged image member fails when the dataset is opened, naming the shard and the member', async () => {
    const root = await variant('bad-image', { mutate: (split, key, m) => split === 'test' && key === 's0000003' && (m[Object.keys(m)[0]] = Buffer.from('not an image')) });
    expect(await failure(openDataset(root))).toMatch(new RegExp(`^cannot read image ${join(root, 'test', '1.tar').replace(/[.]/g, '\\.')} \\(member s0000003\\.${samples.filter((x) => x.split === 'test')[3].format}\\): .*--skip-bad`));
  });
});
