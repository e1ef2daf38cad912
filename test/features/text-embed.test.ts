import { describe, expect, it, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTextExport } from '../../bench/text-graph.ts';
import { distinctTexts, embedTexts } from '../../src/features/text.ts';
import { classPrompts, zeroShotClassifier, zeroShotLogits } from '../../src/evaluation/zeroshot.ts';
import { loadModel } from '../../src/model/load.ts';
import type { OnnxClipModel } from '../../src/model/clip-model.ts';
import { cosine } from '../../src/model/text-padding.ts';
import { UserError } from '../../src/util/errors.ts';
import { PROJECT_ROOT } from '../../src/util/paths.ts';
import { Rng } from '../../src/util/rng.ts';
import { testPrompts } from './text-prompts.ts';

const DIM = 16;
const TINY = { layers: 2, width: 32, heads: 4, dim: DIM };
const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));

/** A tiny causal text tower with the real signature (input_ids (+attention_mask) → text_embeds). */
async function tinyTower(opts: { attentionMask?: boolean; sequence?: number; causal?: boolean } = {}): Promise<string> {
  return (await writeTextExport(join(tmp('text-tower-'), 'export'), { ...TINY, ...opts })).dir;
}
const load = async (dir: string, padTextToContext = false) => (await loadModel(dir, { threads: 1, padTextToContext })) as OnnxClipModel;
const row = (a: Float32Array, i: number) => a.subarray(i * DIM, (i + 1) * DIM);

describe('text ids padded to the batch’s longest prompt on a causal tower', () => {
  for (const style of [
    { name: 'Hugging Face (attention_mask, <|endoftext|> padding)', attentionMask: true, padding: 'eot' },
    { name: 'OpenAI (no mask, 0 padding, argmax(ids) read position)', attentionMask: false, padding: 'zeros' },
  ]) {
    it(`${style.name}: embeddings equal the 77-token ones, zero-shot argmax unchanged, far fewer tokens`, async () => {
      const dir = await tinyTower({ attentionMask: style.attentionMask });
      const bucketed = await load(dir);
      const padded = await load(dir, true);
      expect(bucketed.tokenizer!.padding).toBe(style.padding);
      expect(bucketed.textPadding).toBe('longest');
      expect(padded.textPadding).toBe('context');
      const classes = ['cat', 'great white shark', 'Pembroke Welsh Corgi', 'space shuttle', 'ox'];
      const templates = ['a photo of a {}.', 'itap of my {}.', 'a low resolution photo of the {} in a long, long sentence.', '{}'];
      const prompts = classPrompts(classes, templates);
      const a = await embedTexts(bucketed, prompts, null, { quiet: true, batchSize: 8 });
      const b = await embedTexts(padded, prompts, null, { quiet: true, batchSize: 8 });
      for (let i = 0; i < prompts.length; i++) expect(cosine(row(a.data, i), row(b.data, i))).toBeGreaterThanOrEqual(0.99999);
      expect(bucketed.textWork.tokens).toBeLessThan(padded.textWork.tokens / 3);
      // Zero-shot on random image features: the same class wins for every image.
      const n = 50;
      const rng = new Rng(3);
      const images = Float32Array.from({ length: n * DIM }, () => rng.next() - 0.5);
      const argmax = (emb: Float32Array) => {
        const logits = zeroShotLogits(images, n, zeroShotClassifier(emb, classes.length, templates.length, DIM), classes.length, DIM);
        return Array.from({ length: n }, (_, i) => { const r = logits.subarray(i * classes.length, (i + 1) * classes.length); return r.indexOf(Math.max(...r)); });
      };
      expect(argmax(a.data)).toEqual(argmax(b.data));
    });
  }

  it('a fixed sequence axis keeps 77-token padding', async () => {
    const m = await load(await tinyTower({ sequence: 77 }));
    expect(m.textPadding).toBe('context');
    await m.encodeTexts(['a photo of a cat.', 'a dog']);
    expect(m.textWork.tokens).toBe(2 * 77);
  });

  it('a tower that attends to the padding (no causal mask, no attention mask) is caught on first use and padded to 77', async () => {
    const dir = await tinyTower({ causal: false, attentionMask: false });
    const m = await load(dir);
    const ref = await load(dir, true);
    const texts = ['a photo of a cat.', 'a bad photo of the great white shark.'];
    const got = await m.encodeTexts(texts);
    const want = await ref.encodeTexts(texts);
    for (let i = 0; i < texts.length; i++) expect(cosine(row(got, i), row(want, i))).toBeGreaterThanOrEqual(0.99999);
    await m.encodeTexts(texts);
    expect(m.textWork.tokens).toBe(4 * 77); // both calls: full context, nothing cut
  });
});

describe('embedTexts: chunked text cache, repeats encoded once, progress', () => {
  it('encodes each distinct prompt once and returns every prompt in order', async () => {
    const m = await load(await tinyTower());
    const prompts = testPrompts(60);
    const { distinct } = distinctTexts(prompts);
    expect(distinct.length).toBeLessThan(prompts.length);
    const got = await embedTexts(m, prompts, null, { quiet: true });
    expect(got.encoded).toBe(distinct.length);
    const direct = await m.encodeTexts(prompts);
    for (let i = 0; i < prompts.length; i++) expect(cosine(row(got.data, i), row(direct, i))).toBeGreaterThanOrEqual(0.99999);
  });

  it('writes sealed chunks; a rerun reads them all and encodes nothing', async () => {
    const m = await load(await tinyTower());
    const cache = tmp('text-cache-');
    const prompts = testPrompts(100);
    const first = await embedTexts(m, prompts, cache, { quiet: true, batchSize: 8, chunkRows: 16 });
    const [entry] = readdirSync(cache);
    expect(readdirSync(join(cache, entry)).filter((f) => f.endsWith('.cbf')).length).toBeGreaterThan(3);
    const again = await embedTexts(m, prompts, cache, { quiet: true });
    expect(again).toMatchObject({ cached: true, encoded: 0 });
    expect(Array.from(again.data)).toEqual(Array.from(first.data));
  });

  it('progress: piped, a start line at once and a done line; on a terminal, the 0/N line before the first batch returns', async () => {
    const m = await load(await tinyTower());
    let piped = '';
    await embedTexts(m, testPrompts(40), null, { label: 'prompts', progressStream: { write: (s: string) => (piped += s), isTTY: false } });
    expect(piped).toMatch(/^prompts: started, 36 prompts\n[\s\S]*prompts: done, 36 prompts in /);
    let tty = '';
    const slow = { files: m.files, encodeTexts: async (t: string[]) => { expect(tty).toContain('prompts: 0 prompts/36 prompts (0%)'); return m.encodeTexts(t); } };
    // A terminal redraws its line only outside CI (progress.ts): this half runs as on a user's terminal.
    vi.stubEnv('CI', '');
    try {
      await embedTexts(slow, testPrompts(40), null, { label: 'prompts', progressStream: { write: (s: string) => (tty += s), isTTY: true } });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('a run killed part-way (SIGKILL) leaves its sealed chunks; the rerun encodes only the rest and gives the same embeddings', async () => {
    const dir = await tinyTower();
    const cache = tmp('text-kill-');
    const n = 240;
    const distinct = distinctTexts(testPrompts(n)).distinct.length;
    const sealedBeforeKill = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'test/features/text-resume-child.ts'), dir, cache, String(n)], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      child.stdout.on('data', (d) => {
        out += d;
        // About half of the ~14 chunks: kill with no chance to clean up.
        if ((out.match(/sealed/g) ?? []).length >= 6 && child.exitCode === null) child.kill('SIGKILL');
      });
      child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve((out.match(/sealed/g) ?? []).length) : reject(new Error(`child exited ${code}: ${out} ${err}`))));
    });
    expect(sealedBeforeKill).toBeGreaterThanOrEqual(6);
    const m = await load(dir);
    const prompts = testPrompts(n);
    const resumed = await embedTexts(m, prompts, cache, { quiet: true, batchSize: 8, chunkRows: 16 });
    expect(resumed.encoded).toBeGreaterThan(0);
    expect(resumed.encoded).toBeLessThanOrEqual(distinct - 6 * 16);
    const fresh = await embedTexts(await load(dir), prompts, null, { quiet: true, batchSize: 8 });
    for (let i = 0; i < n; i++) expect(cosine(row(resumed.data, i), row(fresh.data, i))).toBeGreaterThanOrEqual(0.99999);
  }, 60_000);
});

describe('bad prompt lists and mismatched towers: a UserError before any encoding', () => {
  it('an empty class name', () => {
    expect(() => classPrompts(['cat', ' '], ['a photo of a {}.'])).toThrow(UserError);
    expect(() => classPrompts(['cat', ''], ['a photo of a {}.'])).toThrow(/class 1 has an empty name/);
  });

  it('a template without {}', () => {
    expect(() => classPrompts(['cat'], ['a photo of a {}.', 'a photo.'])).toThrow(/template "a photo\." has no \{\} placeholder/);
  });

  it('a text tower whose width differs from the image tower’s', async () => {
    const dir = (await writeTextExport(join(tmp('text-wide-'), 'export'), { ...TINY, visionDim: 8 })).dir;
    await expect(loadModel(dir, { threads: 1 })).rejects.toThrow(/towers disagree.*dim 8.*dim 16/);
    await expect(loadModel(dir, { threads: 1 })).rejects.toBeInstanceOf(UserError);
  });
});
