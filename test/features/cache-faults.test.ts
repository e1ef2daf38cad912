/**
 * The feature cache under the faults a cluster produces: many writers of one entry with no lock, a
 * writer killed with SIGKILL in the middle of sealing a chunk, chunks that do not hold what their name
 * says. Chunks are write-once and named by their rows and seal (src/features/store.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { FeatureStore, range, type FeatureKey } from '../../src/features/store.ts';
import { checkEntry } from '../../src/features/verify.ts';
import { PROJECT_ROOT } from '../../src/util/paths.ts';

const key: FeatureKey = { kind: 'image', modelFiles: [{ role: 'vision', sha256: 'a'.repeat(64) }], preprocess: { size: 224 }, dataset: 'd'.repeat(64), split: 'test', shift: 'none' };
const DIM = 4;
const rows = (first: number, n: number, bump = 0) => {
  const data = new Float32Array(n * DIM);
  for (let i = 0; i < data.length; i++) data[i] = first * DIM + i + bump;
  return { indices: Int32Array.from({ length: n }, (_, r) => first + r), data };
};
const chunks = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.cbf')).sort();

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'cb-cache-faults-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('concurrent writers of one entry (no lock)', () => {
  it('writers of the same rows with the same bits leave one chunk, whole', async () => {
    const writers = Array.from({ length: 8 }, () => new FeatureStore(root, key));
    await Promise.all(writers.map(async (s) => (await s.init(), s.append(rows(0, 50).indices, rows(0, 50).data, DIM))));
    expect(chunks(writers[0].dir)).toHaveLength(1);
    expect(readdirSync(writers[0].dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const c = await checkEntry(writers[0], range(50));
    expect(c).toMatchObject({ present: 50, corrupt: [], duplicates: { identical: 0, differing: 0 } });
  });

  it('rows written with other bits get their own chunk, never overwrite, and verify reports them', async () => {
    const a = new FeatureStore(root, key);
    await a.init();
    await Promise.all([a.append(rows(0, 10).indices, rows(0, 10).data, DIM), a.append(rows(0, 10, 1e-3).indices, rows(0, 10, 1e-3).data, DIM)]);
    expect(chunks(a.dir)).toHaveLength(2);
    expect((await checkEntry(a, range(10))).duplicates).toEqual({ identical: 0, differing: 10 });
  });
});

describe('chunks that do not hold what their name says', () => {
  it('a chunk moved onto another seal is never read: corrupt, removed, its rows recomputed', async () => {
    const s = new FeatureStore(root, key);
    await s.init();
    await s.append(rows(0, 10).indices, rows(0, 10).data, DIM);
    const [name] = chunks(s.dir);
    const wrong = name.replace(/-[0-9a-f]{16}\.cbf$/, `-${'0'.repeat(16)}.cbf`);
    renameSync(join(s.dir, name), join(s.dir, wrong));
    expect((await checkEntry(s, range(10))).corrupt).toEqual([`${join(s.dir, wrong)}: seal does not match the name`]);
    const loaded = await s.load();
    expect(loaded.rows.size).toBe(0);
    expect(loaded.corrupt).toEqual([`${join(s.dir, wrong)}: seal does not match the name`]);
    expect(chunks(s.dir)).toEqual([]);
  });

  it('a corrupt chunk is removed and a rewrite of its rows takes its name back', async () => {
    const s = new FeatureStore(root, key);
    await s.init();
    await s.append(rows(0, 10).indices, rows(0, 10).data, DIM);
    const [name] = chunks(s.dir);
    const bytes = readFileSync(join(s.dir, name));
    bytes[30] ^= 1;
    writeFileSync(join(s.dir, name), bytes);
    expect((await s.load()).corrupt).toEqual([`${join(s.dir, name)}: checksum mismatch`]);
    expect(readdirSync(s.dir).filter((n) => n.includes('.cbf'))).toEqual([]); // nothing left aside either
    await s.append(rows(0, 10).indices, rows(0, 10).data, DIM);
    expect(chunks(s.dir)).toEqual([name]);
    expect((await s.load()).rows.size).toBe(10);
  });

  it('chunks named before names carried a seal still read', async () => {
    const s = new FeatureStore(root, key);
    await s.init();
    await s.append(rows(0, 10).indices, rows(0, 10).data, DIM);
    const [name] = chunks(s.dir);
    renameSync(join(s.dir, name), join(s.dir, 'chunk-000000000-000000009-10.cbf'));
    expect((await s.load()).rows.size).toBe(10);
    expect((await checkEntry(s, range(10))).present).toBe(10);
  });
});

/** A process that seals 16 MB chunks of 1,024 rows each (rows 0…1023, then 1024…2047, …) until it is killed. */
const WRITER = `
import { FeatureStore } from ${JSON.stringify(join(PROJECT_ROOT, 'src/features/store.ts'))};
const [root, key] = [process.argv[2], JSON.parse(process.argv[3])];
const s = new FeatureStore(root, key);
await s.init();
const n = 1024, dim = 4096;
for (let round = 0; ; round++) {
  const data = new Float32Array(n * dim).fill(round);
  await s.append(Int32Array.from({ length: n }, (_, i) => round * n + i), data, dim);
}
`;

describe('a writer killed with SIGKILL while sealing a chunk', () => {
  it('leaves only its temp file, which is never read; the rerun rebuilds the rows', async () => {
    writeFileSync(join(root, 'writer.mts'), WRITER);
    const store = new FeatureStore(join(root, 'cache'), key);
    let partial: string | undefined;
    for (let attempt = 0; attempt < 5 && !partial; attempt++) {
      const child = spawn(join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), [join(root, 'writer.mts'), join(root, 'cache'), JSON.stringify(key)], { stdio: 'ignore' });
      const exited = new Promise((done) => child.on('exit', done));
      // Watch for a temp chunk; its name carries the writing process's id (src/util/atomic.ts).
      const deadline = Date.now() + 60_000;
      let victim: number | undefined;
      while (!victim && Date.now() < deadline) {
        const tmp = (existsSync(store.dir) ? readdirSync(store.dir) : []).find((n) => n.startsWith('chunk-') && n.endsWith('.tmp'));
        if (tmp) victim = Number(tmp.split('.').at(-3));
        else await new Promise((r) => setTimeout(r, 1));
      }
      if (victim) process.kill(victim, 'SIGKILL');
      child.kill('SIGKILL');
      await exited;
      partial = readdirSync(store.dir).find((n) => n.startsWith('chunk-') && n.endsWith('.tmp'));
    }
    expect(partial, 'no temp chunk outlived the kill in 5 tries').toBeDefined();
    // At most a whole chunk's bytes (12 + 1024·4 + 1024·4096·4 + 32), never renamed into place.
    expect(statSync(join(store.dir, partial!)).size).toBeLessThanOrEqual(12 + 1024 * 4 + 1024 * 4096 * 4 + 32);
    const first = Number(/^chunk-(\d+)-/.exec(partial!)![1]);
    const before = await store.load();
    expect(before.corrupt).toEqual([]);
    expect(before.rows.has(first)).toBe(false);
    // Every chunk sealed before the kill is whole; the killed one's rows are missing, nothing else.
    const check = await checkEntry(store, range(first + 1024));
    expect(check.corrupt).toEqual([]);
    expect(check.missing).toEqual([{ first, last: first + 1023 }]);
    // The rerun seals those rows and the entry is complete.
    await new FeatureStore(join(root, 'cache'), key).append(Int32Array.from({ length: 1024 }, (_, i) => first + i), new Float32Array(1024 * 4096).fill(7), 4096);
    const after = await checkEntry(store, range(first + 1024));
    expect(after).toMatchObject({ missingRows: 0, corrupt: [] });
  }, 120_000);
});
