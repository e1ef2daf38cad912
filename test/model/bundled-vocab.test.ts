import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_VOCAB_FILE, BUNDLED_VOCAB_SHA256, CLIP_MERGE_COUNT, readBundledMergesText } from '../../src/model/tokenizer/vocab.ts';
import { UserError } from '../../src/util/errors.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clip-vocab-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the shipped bpe_simple_vocab_16e6.txt.gz', () => {
  it("holds OpenAI's merges text: version header, 262,145 lines, the pinned SHA-256", async () => {
    const text = gunzipSync(await readFile(BUNDLED_VOCAB_FILE));
    expect(createHash('sha256').update(text).digest('hex')).toBe(BUNDLED_VOCAB_SHA256);
    const lines = text.toString('utf8').split('\n');
    expect(lines[0]).toBe('#version: 0.2');
    expect(lines.slice(1, 4)).toEqual(['i n', 't h', 'a n']);
    expect(lines.length - 1).toBeGreaterThan(CLIP_MERGE_COUNT);
    expect(await readBundledMergesText()).toBe(text.toString('utf8'));
  });

  it('refuses a changed file, naming it and the hash', async () => {
    const text = gunzipSync(await readFile(BUNDLED_VOCAB_FILE)).toString('utf8');
    const bad = join(dir, 'bpe_simple_vocab_16e6.txt.gz');
    await writeFile(bad, gzipSync(text.replace('\nt h\n', '\nh t\n')));
    const err = await readBundledMergesText(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain(bad);
    expect((err as Error).message).toContain('SHA-256');
    await writeFile(bad, 'not gzip');
    await expect(readBundledMergesText(bad)).rejects.toThrow(/cannot read the CLIP BPE vocabulary/);
  });
});
