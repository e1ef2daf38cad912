/**
 * A full disk while the feature cache seals a chunk (ENOSPC injected into the file writes; deploy/slurm/e2e.sh
 * --faults does the same on a real 1 MB tmpfs): one clear error, nothing half-written, sealed rows kept.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const disk = vi.hoisted(() => ({ full: false, code: 'ENOSPC' }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  // Once the disk is "full", a file handle's writeFile writes half of the data, then fails as write(2) does.
  const open: typeof fs.open = async (...args: Parameters<typeof fs.open>) => {
    const fh = await fs.open(...args);
    const writeFile = fh.writeFile.bind(fh);
    fh.writeFile = (async (data: string | Uint8Array) => {
      if (!disk.full) return writeFile(data);
      const bytes = Buffer.from(data);
      await writeFile(bytes.subarray(0, bytes.length >> 1));
      throw Object.assign(new Error(`${disk.code}: no space left on device, write`), { code: disk.code });
    }) as typeof fh.writeFile;
    return fh;
  };
  return { ...fs, default: { ...fs, open }, open };
});

const { FeatureStore, range } = await import('../../src/features/store.ts');
const { UserError } = await import('../../src/util/errors.ts');

const key = { kind: 'image' as const, modelFiles: [{ role: 'vision', sha256: 'a'.repeat(64) }], dataset: 'd'.repeat(64), split: 'test', shift: 'none' };
let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'cb-full-disk-'));
  disk.full = false;
  disk.code = 'ENOSPC';
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('a full disk while sealing a chunk', () => {
  it.each(['ENOSPC', 'EDQUOT'])('%s is one error naming the cache, and leaves no partial file; earlier chunks stay', async (code) => {
    const store = new FeatureStore(root, key);
    await store.init();
    await store.append(range(10), new Float32Array(40).fill(1), 4);
    disk.full = true;
    disk.code = code;
    const err = await store.append(Int32Array.from({ length: 10 }, (_, i) => 10 + i), new Float32Array(40).fill(2), 4).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      `feature cache ${store.dir}: ${code === 'ENOSPC' ? 'no space left on the device' : 'disk quota exceeded'} while sealing rows 10…19; nothing was half-written (the partial temp file was removed) and rows sealed before are kept, so a rerun resumes from them: free space or give another --cache-dir`,
    );
    expect(readdirSync(store.dir).filter((n) => n.startsWith('chunk-')).map((n) => n.replace(/[0-9a-f]{16}\.cbf$/, '…'))).toEqual(['chunk-000000000-000000009-10-…']);
    disk.full = false;
    const loaded = await store.load();
    expect(loaded.corrupt).toEqual([]);
    expect([...loaded.rows.keys()].sort((a, b) => a - b)).toEqual([...range(10)]);
  });

  it('while writing the entry key: the same error, no key.json', async () => {
    disk.full = true;
    const store = new FeatureStore(root, key);
    await expect(store.init()).rejects.toThrow(/no space left on the device while writing the entry's key; nothing was half-written/);
    expect(readdirSync(store.dir)).toEqual([]);
  });
});
