import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCaptionSource } from '../../src/datasets/caption-sources.ts';
import { openDataset } from '../../src/datasets/resolve.ts';
import { UserError } from '../../src/util/errors.ts';
import { sha256 } from '../../src/util/hash.ts';
import { tempDir } from './fixtures.ts';
import { makeSamples, writeAsRetrievalWebdataset, writeAsWebdataset } from './format-fixtures.ts';
import { serveHub } from './hub-server.ts';

const SHA = 'fedcba9876543210fedcba9876543210fedcba98';
let dir: { path: string; cleanup: () => Promise<void> };
let samples: { ext: string; image: Buffer; captions: string[] }[];
const root = () => join(dir.path, 'wds_tiny_captions');

beforeAll(async () => {
  dir = await tempDir('clip-bench-wds-captions-');
  const images = await makeSamples({ classes: 5, perClass: { test: 1 } });
  // Five images, 1 to 3 captions each (Flickr30k has 5, MS-COCO 5 to 7): the split of the .txt decides which.
  samples = images.map((x, i) => ({ ext: x.format, image: x.image, captions: Array.from({ length: 1 + (i % 3) }, (_, j) => `image ${i} caption ${j}`) }));
  await writeAsRetrievalWebdataset(root(), samples, { shards: 2 });
});
afterAll(() => dir.cleanup());

async function failure(p: Promise<unknown>): Promise<string> {
  const err = await p.catch((e) => e);
  expect(err).toBeInstanceOf(UserError);
  return (err as UserError).message;
}

async function pixels(set: { images: { read: (s: 'test') => AsyncIterable<{ image: { data: Uint8Array } }> } }) {
  const out: string[] = [];
  for await (const x of set.images.read('test')) out.push(sha256(x.image.data));
  return out;
}

describe('CLIP_benchmark retrieval webdatasets (dataset_type.txt "retrieval", a .txt of captions per image)', () => {
  it('wds:<dir> and a bare folder give every image in shard order with each of its .txt lines as a caption', async () => {
    const set = (await openCaptionSource(`wds:${root()}`))!;
    expect(set.name).toBe('wds_tiny_captions');
    expect(set.captions).toEqual(samples.flatMap((s) => s.captions));
    expect(Array.from(set.captionImage)).toEqual(samples.flatMap((s, i) => s.captions.map(() => i)));
    expect(await set.images.size('test')).toBe(5);
    expect(set.images.provenance.files!.map((f) => f.path)).toEqual(['test/0.tar', 'test/1.tar']);
    const bare = (await openCaptionSource(root()))!;
    expect(bare.images.identity('test')).toBe(set.images.identity('test'));
    expect(await pixels(bare)).toEqual(await pixels(set));
  });

  it('a classification webdataset is not captioned (null: class retrieval opens it), and classifying a retrieval one says to use --task retrieval', async () => {
    const cls = join(dir.path, 'wds_cls');
    await writeAsWebdataset(cls, await makeSamples({ classes: 2, perClass: { test: 1 } }), ['a', 'b'], { shards: 1 });
    expect(await openCaptionSource(`wds:${cls}`)).toBeNull();
    expect(await failure(openDataset(`wds:${root()}`))).toMatch(/dataset_type\.txt says "retrieval"; .*benchmark its captions with --task retrieval/);
  });

  it('CRLF lines and a trailing newline are split as str.splitlines does, each caption trimmed', async () => {
    const crlf = join(dir.path, 'wds_crlf');
    await writeAsRetrievalWebdataset(crlf, samples.slice(0, 2), { shards: 1, txt: (k) => (k === 's0000000' ? 'first one \r\nsecond\r\n' : undefined) });
    const set = (await openCaptionSource(`wds:${crlf}`))!;
    expect(set.captions).toEqual(['first one', 'second', ...samples[1].captions]);
  });

  it('bad samples are one error naming the shard and member: no .txt, an empty .txt, an empty caption line, a missing split', async () => {
    const cases: [string, (k: string) => string | null | undefined, RegExp][] = [
      ['no-txt', (k) => (k === 's0000001' ? null : undefined), /0\.tar: sample "s0000001" has an image \(s0000001\.png\) but no \.txt captions/],
      ['empty-txt', (k) => (k === 's0000002' ? '\n' : undefined), /1\.tar: s0000002\.txt holds no caption for s0000002\.webp/],
      ['blank-line', (k) => (k === 's0000000' ? 'a dog\n\na cat' : undefined), /0\.tar: s0000000\.txt line 2 is an empty caption for s0000000\.webp/],
    ];
    for (const [name, txt, message] of cases) {
      const bad = join(dir.path, `wds_${name}`);
      await writeAsRetrievalWebdataset(bad, samples.slice(0, 3), { shards: 2, txt });
      expect(await failure(openCaptionSource(`wds:${bad}`))).toMatch(message);
    }
    expect(await failure(openCaptionSource(`wds:${root()}`, { split: 'val' }))).toMatch(/has no split "val" \(it has test\); --split chooses one/);
  });

  it('hf:<owner>/wds_<name> downloads only the split it reads, pinned to the commit, and opens the same captions and pixels', async () => {
    const repo = join(dir.path, 'hub-repo');
    await writeAsRetrievalWebdataset(repo, samples, { shards: 2 });
    await writeAsRetrievalWebdataset(join(dir.path, 'hub-train'), samples.slice(0, 2), { shards: 1, split: 'train' });
    // A train split beside the test split: retrieval never downloads it.
    const { cp } = await import('node:fs/promises');
    await cp(join(dir.path, 'hub-train', 'train'), join(repo, 'train'), { recursive: true });
    const hub = await serveHub({ repo: 'clip-benchmark/wds_tiny', dir: repo, sha: SHA, lfs: (p) => p.endsWith('.tar') });
    try {
      const set = (await openCaptionSource('hf:clip-benchmark/wds_tiny', { dataDir: join(dir.path, 'data'), env: { HF_ENDPOINT: hub.endpoint } }))!;
      expect(set.name).toBe('hf:clip-benchmark/wds_tiny');
      expect(set.images.name).toBe('hf:clip-benchmark/wds_tiny');
      expect(set.captions).toEqual(samples.flatMap((s) => s.captions));
      expect(set.images.provenance.source).toBe(`hf:clip-benchmark/wds_tiny@${SHA}`);
      const shard = await readFile(join(repo, 'test', '1.tar'));
      expect(set.images.provenance.files).toContainEqual({ path: 'test/1.tar', size: shard.length, sha256: sha256(shard) });
      expect(hub.requests.some((r) => r.path.includes('/train/'))).toBe(false);
      const local = (await openCaptionSource(`wds:${repo}`))!;
      expect(set.images.identity('test')).toBe(local.images.identity('test'));
      expect(await pixels(set)).toEqual(await pixels(local));
    } finally {
      await hub.close();
    }
  });
});
