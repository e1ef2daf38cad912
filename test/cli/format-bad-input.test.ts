/**
 * Issue 20's bad input for the dataset formats, on the command line: each is one `error:` line naming the
 * file and what to do, exit 2, and nothing half-written (no results in --out, no hub snapshot); an
 * interrupted hub download keeps its bytes and the rerun resumes them.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as benchMain } from '../../src/cli/bench.ts';
import { DEFAULT_RETRY } from '../../src/util/retry.ts';
import { runMain } from './capture.ts';
import { tempDir } from '../datasets/fixtures.ts';
import { makeSamples, writeAsParquet, writeAsWebdataset, type Sample } from '../datasets/format-fixtures.ts';
import { serveHub } from '../datasets/hub-server.ts';
import { writeTree } from '../datasets/user-fixtures.ts';

const CLASSES = ['apple', 'banana', 'cherry'];
let dir: { path: string; cleanup: () => Promise<void> };
let samples: Sample[];
const exists = (p: string) => stat(p).then(() => true, () => false);

beforeAll(async () => {
  dir = await tempDir('clip-bench-format-bad-');
  samples = await makeSamples({ classes: 3, perClass: { train: 2, test: 2 } });
});
afterAll(() => dir.cleanup());

/** bench on `args`; the error lines, the exit code, and whether --out got anything. */
async function bench(name: string, args: string[], env: Record<string, string> = {}) {
  const out = join(dir.path, `out-${name}`);
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const r = await runMain(benchMain, [...args, '--shots', '1', '--seeds', '1', '--no-cache', '--out', out]);
    const wrote = (await exists(out)) ? await readdir(out) : [];
    return { code: r.code, errors: r.err.split('\n').filter((l) => l.startsWith('error:')), wrote };
  } finally {
    process.env = saved;
  }
}

describe('bad dataset files on the command line', () => {
  it('a shard sample without a .cls label', async () => {
    const root = join(dir.path, 'no-label');
    await writeAsWebdataset(root, samples, CLASSES, { shards: 2, mutate: (split, key, m) => split === 'test' && key === 's0000001' && delete m.cls });
    const r = await bench('no-label', ['--dataset', `wds:${root}`]);
    expect(r).toMatchObject({ code: 2, wrote: [] });
    expect(r.errors).toEqual([expect.stringMatching(new RegExp(`^error: shard ${join(root, 'test', '0.tar')}: sample "s0000001" has an image .* but no \\.cls label; re-export the shard with a label per sample$`))]);
  });

  it('a label outside classnames.txt', async () => {
    const root = join(dir.path, 'outside');
    await writeAsWebdataset(root, samples, CLASSES, { shards: 2, mutate: (split, key, m) => split === 'train' && key === 's0000003' && (m.cls = '7') });
    const r = await bench('outside', ['--dataset', `wds:${root}`]);
    expect(r).toMatchObject({ code: 2, wrote: [] });
    expect(r.errors).toEqual([`error: shard ${join(root, 'train', '1.tar')}: s0000003.cls says label 7, but ${join(root, 'classnames.txt')} names only 3 classes (0–2); fix the label or classnames.txt`]);
  });

  it('a shard that is not a tar', async () => {
    const root = join(dir.path, 'not-tar');
    await writeAsWebdataset(root, samples, CLASSES, { shards: 2 });
    await writeFile(join(root, 'test', '1.tar'), 'not a tar\n'.repeat(100));
    const r = await bench('not-tar', ['--dataset', `wds:${root}`]);
    expect(r).toMatchObject({ code: 2, wrote: [] });
    expect(r.errors).toEqual([`error: shard ${join(root, 'test', '1.tar')} is not a tar file (no valid tar header at its start); a webdataset shard is an uncompressed .tar — re-download or re-export it`]);
  });

  it('a parquet file without an image column', async () => {
    const root = join(dir.path, 'pq-no-image');
    await writeAsParquet(root, samples, CLASSES, { image: false });
    const r = await bench('pq-no-image', ['--dataset', `parquet:${root}`]);
    expect(r).toMatchObject({ code: 2, wrote: [] });
    expect(r.errors).toEqual([expect.stringMatching(/^error: .*\.parquet: no image column found .*; name it with --image-column$/)]);
  });

  it('a CoOp split file naming missing images', async () => {
    const root = join(dir.path, 'coop');
    await writeTree(join(root, 'images'), { 'a.png': samples[0].image });
    await writeFile(join(root, 'split.json'), JSON.stringify({ train: [['a.png', 0, 'apple'], ['gone.png', 1, 'banana']], test: [['a.png', 0, 'apple']] }));
    const r = await bench('coop', ['--dataset', `coop:${join(root, 'images')}`, '--split-file', join(root, 'split.json')]);
    expect(r).toMatchObject({ code: 2, wrote: [] });
    expect(r.errors).toEqual([expect.stringMatching(new RegExp(`^error: ${join(root, 'split.json')} names 1 image\\(s\\) missing under ${join(root, 'images')} \\(first: gone\\.png\\); .*download the missing images$`))]);
  });

  it('a hub repository that does not exist (404)', async () => {
    const repo = join(dir.path, 'hub-repo');
    await writeAsWebdataset(repo, samples, CLASSES, { shards: 2 });
    const hub = await serveHub({ repo: 'test-org/wds_x', dir: repo, sha: 'a'.repeat(40) });
    try {
      const data = join(dir.path, 'data-404');
      const r = await bench('hub-404', ['--dataset', 'hf:test-org/wds_nope', '--data-dir', data], { HF_ENDPOINT: hub.endpoint });
      expect(r).toMatchObject({ code: 2, wrote: [] });
      expect(r.errors).toEqual([expect.stringMatching(/^error: hf:test-org\/wds_nope: no dataset repository test-org\/wds_nope on .* \(HTTP 404\); check the name/)]);
      expect(await exists(join(data, 'hub'))).toBe(false);
    } finally {
      await hub.close();
    }
  });

  it('an interrupted download that fails every retry: no snapshot, the bytes kept, and the rerun resumes them', async () => {
    const repo = join(dir.path, 'hub-repo-cut');
    await writeAsWebdataset(repo, samples, CLASSES, { shards: 2 });
    const sha = 'b'.repeat(40);
    // Two cut transfers: the first try and its one retry (retries shortened for the test).
    const hub = await serveHub({ repo: 'test-org/wds_cut', dir: repo, sha, lfs: (p) => p.endsWith('.tar'), interruptOnce: 'train/1.tar', interruptTimes: 2 });
    const retry = { ...DEFAULT_RETRY };
    Object.assign(DEFAULT_RETRY, { retries: 1, baseDelayMs: 1, maxDelayMs: 2 });
    try {
      const data = join(dir.path, 'data-cut');
      const snap = join(data, 'hub', 'datasets', 'test-org', 'wds_cut', sha);
      const r = await bench('hub-cut', ['--dataset', 'hf:test-org/wds_cut', '--data-dir', data], { HF_ENDPOINT: hub.endpoint });
      expect(r).toMatchObject({ code: 2, wrote: [] });
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toMatch(/^error: cannot download .*\/train\/1\.tar after 2 attempts: interrupted after \d+ bytes.* are kept in .*1\.tar\.part: run the same command again to resume\./);
      expect(await exists(join(snap, 'snapshot.json'))).toBe(false);
      expect(await exists(join(snap, 'train', '1.tar'))).toBe(false);
      const kept = (await stat(join(snap, 'train', '1.tar.part'))).size;
      expect(kept).toBeGreaterThan(0);

      const again = await bench('hub-cut-2', ['--dataset', 'hf:test-org/wds_cut', '--data-dir', data], { HF_ENDPOINT: hub.endpoint });
      expect(again).toMatchObject({ code: 0, errors: [] });
      const tries = hub.requests.filter((q) => q.path === `/datasets/test-org/wds_cut/resolve/${sha}/train/1.tar`);
      expect(tries.at(-1)!.headers.range).toBe(`bytes=${kept}-`);
      expect(await readFile(join(snap, 'train', '1.tar'))).toEqual(await readFile(join(repo, 'train', '1.tar')));
      expect(await exists(join(snap, 'snapshot.json'))).toBe(true);
    } finally {
      Object.assign(DEFAULT_RETRY, retry);
      await hub.close();
    }
  }, 60_000);
});
