import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { bytesFlag, main } from '../../src/cli/features.ts';
import { FeatureStore, range, type FeatureKey } from '../../src/features/store.ts';
import { runMain } from '../cli/capture.ts';

const DAY = 86_400_000;
let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'cb-features-cli-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function entry(split: string, rows: number, daysAgo: number): Promise<FeatureStore> {
  const key: FeatureKey = { kind: 'image', modelFiles: [{ role: 'vision', sha256: 'e'.repeat(64) }], dataset: 'f'.repeat(64), split, shift: 'none' };
  const store = new FeatureStore(root, key, { dataset: 'digits' });
  await store.init();
  await store.append(range(rows), new Float32Array(rows * 2), 2);
  const t = new Date(Date.now() - daysAgo * DAY);
  await utimes(store.dir, t, t);
  return store;
}

const run = (argv: string[]) => runMain(main, argv);

describe('npm run features -- list', () => {
  it('prints one row per entry with its key, rows, size and age, and the total', async () => {
    await entry('test', 359, 3);
    await entry('train', 1438, 0);
    const r = await run(['list', '--cache-dir', root]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const lines = r.out.split('\n');
    expect(lines[0]).toBe(`feature cache: ${root}`);
    expect(r.out).toMatch(/image vision:eeeeeeeeeeee digits ffffffffffff\/train shift none\s+1438\s+\S+ KB\s+just now/);
    expect(r.out).toMatch(/image vision:eeeeeeeeeeee digits ffffffffffff\/test shift none\s+359\s+\S+ KB\s+3 days ago/);
    expect(r.out).toMatch(/^2 entries, \d+(\.\d)? KB$/m);
  });

  it('--json gives one JSON document with every entry', async () => {
    await entry('test', 10, 1);
    const r = await run(['list', '--cache-dir', root, '--json']);
    const doc = JSON.parse(r.out);
    expect(doc.root).toBe(root);
    expect(doc.entries).toHaveLength(1);
    expect(doc.entries[0]).toMatchObject({ kind: 'image', split: 'test', rows: 10, dataset: 'digits', summary: 'image vision:eeeeeeeeeeee digits ffffffffffff/test shift none' });
  });

  it('a --cache-dir that is a file is one error line, exit 2', async () => {
    const file = join(root, 'f');
    writeFileSync(file, 'x');
    const r = await run(['list', '--cache-dir', file]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: --cache-dir .*f: .* is a file, not a directory; choose a directory\n$/);
  });
});

describe('npm run features -- prune', () => {
  it('--older-than-days removes old entries and says what it freed', async () => {
    const keep = await entry('test', 4, 1);
    await entry('train', 4, 40);
    const r = await run(['prune', '--cache-dir', root, '--older-than-days', '30']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\/train shift none\s+4\s+.*40 days ago/);
    expect(r.out).toMatch(/^removed 1 entry \(.+\); 1 entry \(.+\) kept in /m);
    expect(readdirSync(root)).toEqual([keep.dir.slice(-32)]);
  });

  it('--dry-run removes nothing', async () => {
    await entry('train', 4, 40);
    const r = await run(['prune', '--cache-dir', root, '--keep-bytes', '0', '--dry-run']);
    expect(r.out).toMatch(/^would remove 1 entry/m);
    expect(readdirSync(root)).toHaveLength(1);
  });

  it('without a limit is an error that shows a working command', async () => {
    const r = await run(['prune', '--cache-dir', root]);
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: prune needs --older-than-days <n> or --keep-bytes <size> (or both), e.g. npm run features -- prune --older-than-days 30\n');
  });

  it('rejects a size it cannot read', async () => {
    const r = await run(['prune', '--cache-dir', root, '--keep-bytes', 'lots']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: --keep-bytes must be a size in bytes, e.g. 500MB, 2GB or 1000000, got "lots"\n');
  });

  it('reads sizes in bytes with KB/MB/GB/TB as powers of 1000', () => {
    expect(bytesFlag('1000000', '--keep-bytes')).toBe(1_000_000);
    expect(bytesFlag('500MB', '--keep-bytes')).toBe(500_000_000);
    expect(bytesFlag('2g', '--keep-bytes')).toBe(2_000_000_000);
    expect(bytesFlag('1.5KB', '--keep-bytes')).toBe(1500);
  });

  it('prune --help shows its options and examples', async () => {
    const r = await run(['prune', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--older-than-days <n>');
    expect(r.out).toContain('npm run features -- prune --keep-bytes 2GB --dry-run');
  });
});
