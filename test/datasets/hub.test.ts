import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main as benchMain } from '../../src/cli/bench.ts';
import { openDataset } from '../../src/datasets/resolve.ts';
import type { Dataset } from '../../src/datasets/types.ts';
import { UserError } from '../../src/util/errors.ts';
import { sha256 } from '../../src/util/hash.ts';
import { runMain } from '../cli/capture.ts';
import { tempDir } from './fixtures.ts';
import { rename, mkdir } from 'node:fs/promises';
import { makeSamples, writeAsParquet, writeAsWebdataset } from './format-fixtures.ts';
import { serveHub } from './hub-server.ts';

const REPO = 'test-org/wds_tiny';
const SHA = '0123456789abcdef0123456789abcdef01234567';
const CLASSES = ['apple', 'banana', 'cherry'];
let dir: { path: string; cleanup: () => Promise<void> };
const repoDir = () => join(dir.path, 'repo');
const isTar = (p: string) => p.endsWith('.tar');

beforeAll(async () => {
  dir = await tempDir('clip-bench-hub-');
  await writeAsWebdataset(repoDir(), await makeSamples({ classes: 3, perClass: { test: 2 } }), CLASSES, { shards: 2 });
});
afterAll(() => dir.cleanup());

async function labelsAndPixels(ds: Dataset) {
  const out: [number, string][] = [];
  for await (const x of ds.read('test')) out.push([x.label, sha256(x.image.data)]);
  return out;
}

async function failure(p: Promise<unknown>): Promise<string> {
  const err = await p.catch((e) => e);
  expect(err).toBeInstanceOf(UserError);
  return (err as UserError).message;
}

describe('hf:<owner>/<repo> from a hub (loopback server in the hub URL layout)', () => {
  it('downloads a webdataset pinned to the resolved commit, sends HF_TOKEN, and records every file with its SHA-256 and size', async () => {
    const hub = await serveHub({ repo: REPO, dir: repoDir(), sha: SHA, revisions: ['v1.0'], lfs: isTar });
    try {
      const dataDir = join(dir.path, 'data-1');
      const ds = await openDataset(`hf:${REPO}@v1.0`, { dataDir, env: { HF_ENDPOINT: hub.endpoint, HF_TOKEN: 'hf_test_token' } });
      expect(ds.name).toBe(`hf:${REPO}`);
      expect(ds.classes).toEqual(CLASSES);
      expect(ds.provenance.source).toBe(`hf:${REPO}@${SHA}`);
      expect(ds.provenance.notes).toBe(`revision v1.0 via ${hub.endpoint}`);
      const shard = await readFile(join(repoDir(), 'test', '1.tar'));
      expect(ds.provenance.files).toContainEqual({ path: 'test/1.tar', size: shard.length, sha256: sha256(shard) });
      expect(ds.provenance.files!.map((f) => f.path).sort()).toEqual(['classnames.txt', 'test/0.tar', 'test/1.tar', 'test/nshards.txt', 'zeroshot_classification_templates.txt']);
      expect(hub.requests[0].path).toBe(`/api/datasets/${REPO}/revision/v1.0?blobs=true`);
      expect(hub.requests.some((r) => r.path === `/datasets/${REPO}/resolve/${SHA}/test/1.tar`)).toBe(true);
      expect(hub.requests.every((r) => r.headers.authorization === 'Bearer hf_test_token')).toBe(true);
      expect(await stat(join(dataDir, 'hub', 'datasets', 'test-org', 'wds_tiny', SHA, 'snapshot.json'))).toBeTruthy();

      // The same files read from the local folder: same labels and pixels.
      const local = await openDataset(`wds:${repoDir()}`);
      expect(await labelsAndPixels(ds)).toEqual(await labelsAndPixels(local));
      expect(ds.identity('test')).toBe(local.identity('test'));

      // A second open reuses the files: only the revision is asked for.
      const before = hub.requests.length;
      await openDataset(`hf:${REPO}`, { dataDir, env: { HF_ENDPOINT: hub.endpoint } });
      expect(hub.requests.slice(before).map((r) => r.path)).toEqual([`/api/datasets/${REPO}/revision/main?blobs=true`]);
    } finally {
      await hub.close();
    }
  });

  it('a parquet repository on the refs/convert/parquet branch (<config>/<split>/0000.parquet) opens with the parquet reader', async () => {
    const pqRepo = join(dir.path, 'pq-repo');
    await writeAsParquet(pqRepo, await makeSamples({ classes: 3, perClass: { train: 2, test: 2 } }), CLASSES);
    for (const split of ['train', 'test']) {
      await mkdir(join(pqRepo, 'plain_text', split), { recursive: true });
      await rename(join(pqRepo, 'plain_text', `${split}-00000-of-00001.parquet`), join(pqRepo, 'plain_text', split, '0000.parquet'));
    }
    const hub = await serveHub({ repo: 'test-org/cifar_tiny', dir: pqRepo, sha: SHA, revisions: ['refs/convert/parquet'], lfs: (p) => p.endsWith('.parquet') });
    try {
      const ds = await openDataset('hf:test-org/cifar_tiny@refs/convert/parquet', { dataDir: join(dir.path, 'data-pq'), env: { HF_ENDPOINT: hub.endpoint } });
      expect(hub.requests[0].path).toBe('/api/datasets/test-org/cifar_tiny/revision/refs%2Fconvert%2Fparquet?blobs=true');
      expect(ds.classes).toEqual(CLASSES);
      expect(ds.splits).toEqual(['train', 'test']);
      expect([...(await ds.labels('test'))]).toEqual([0, 0, 1, 1, 2, 2]);
      expect(ds.provenance.files!.map((f) => f.path)).toEqual(['plain_text/test/0000.parquet', 'plain_text/train/0000.parquet']);
    } finally {
      await hub.close();
    }
  });

  it('a repository the hub does not have is one error line, exit 2, and nothing is written', async () => {
    const hub = await serveHub({ repo: REPO, dir: repoDir(), sha: SHA });
    vi.stubEnv('HF_ENDPOINT', hub.endpoint);
    try {
      const dataDir = join(dir.path, 'data-404');
      const r = await runMain(benchMain, ['--dataset', 'hf:test-org/no_such_repo', '--data-dir', dataDir, '--shots', '1', '--seeds', '1', '--no-cache', '--out', join(dir.path, 'out-404')]);
      expect(r.code).toBe(2);
      expect(r.err.split('\n').filter((l) => l.startsWith('error:'))).toEqual([
        `error: hf:test-org/no_such_repo: no dataset repository test-org/no_such_repo on ${hub.endpoint} (HTTP 404); check the name (e.g. clip-benchmark/wds_cifar10), or set HF_TOKEN if it is private or gated`,
      ]);
      expect(await stat(join(dataDir, 'hub')).catch(() => undefined)).toBeUndefined();
    } finally {
      vi.unstubAllEnvs();
      await hub.close();
    }
  });

  it('an interrupted download is resumed with a Range request, and the snapshot names the whole file', async () => {
    const hub = await serveHub({ repo: REPO, dir: repoDir(), sha: SHA, lfs: isTar, interruptOnce: 'test/1.tar' });
    try {
      const dataDir = join(dir.path, 'data-resume');
      const env = { HF_ENDPOINT: hub.endpoint };
      const snap = join(dataDir, 'hub', 'datasets', 'test-org', 'wds_tiny', SHA);
      // The download layer retries within the run (src/util/download.ts), continuing from the bytes it has.
      const ds = await openDataset(`hf:${REPO}`, { dataDir, env });
      const tries = hub.requests.filter((r) => r.path === `/datasets/${REPO}/resolve/${SHA}/test/1.tar`);
      expect(tries).toHaveLength(2);
      expect(tries[0]!.headers.range).toBeUndefined();
      expect(tries[1]!.headers.range).toMatch(/^bytes=[1-9]\d*-$/);
      expect(await readFile(join(snap, 'test', '1.tar'))).toEqual(await readFile(join(repoDir(), 'test', '1.tar')));
      expect(await stat(join(snap, 'test', '1.tar.part')).catch(() => undefined)).toBeUndefined();
      expect(await labelsAndPixels(ds)).toEqual(await labelsAndPixels(await openDataset(`wds:${repoDir()}`)));
    } finally {
      await hub.close();
    }
  });
});
