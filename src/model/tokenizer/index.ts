/**
 * The CLIP BPE tokenizer: the same ids as OpenAI's `clip.tokenize` (simple_tokenizer.py over
 * bpe_simple_vocab_16e6) for the same text, up to the ftfy gap documented in clean.ts.
 *
 *   const tok = await loadTokenizer(OPENAI_CLIP_TOKENIZER);
 *   tok.encode('a photo of a dog');        // [320, 1125, 539, 320, 1929]
 *   tok.tokenize(['a photo of a dog']);    // ids [49406, 320, 1125, 539, 320, 1929, 49407, 0, …] (77)
 */
import { UserError } from '../../util/errors.ts';
import { BpeModel, type BpeVocabulary } from './bpe.ts';
import { pretokenize } from './clean.ts';
import type { TokenizedBatch, TokenizerSpec } from './spec.ts';
import { loadBundledVocabulary, loadTokenizerJsonVocabulary } from './vocab.ts';

export type { TokenizedBatch, TokenizerSpec } from './spec.ts';
export { OPENAI_CLIP_TOKENIZER } from './spec.ts';
export type { BpeVocabulary } from './bpe.ts';
export { basicClean, whitespaceClean, fixText, pretokenize } from './clean.ts';
export { htmlUnescape } from './html.ts';

export class ClipTokenizer {
  /** Id of <|startoftext|> (49406 for CLIP). */
  readonly sot: number;
  /** Id of <|endoftext|> (49407 for CLIP). */
  readonly eot: number;
  /** What padding positions hold: 0 (OpenAI) or the end token (Hugging Face). */
  readonly padId: number;

  constructor(
    readonly spec: TokenizerSpec,
    private readonly model: BpeModel,
  ) {
    if (!Number.isInteger(spec.contextLength) || spec.contextLength < 2) {
      throw new UserError(`tokenizer contextLength must be an integer ≥ 2, got ${spec.contextLength}`);
    }
    this.sot = model.vocab.sot;
    this.eot = model.vocab.eot;
    this.padId = spec.padding === 'eot' ? this.eot : 0;
  }

  get vocabulary(): BpeVocabulary {
    return this.model.vocab;
  }

  /** BPE ids for a text, without start/end tokens (OpenAI `SimpleTokenizer.encode`). */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const piece of pretokenize(text, this.spec.lowercase)) {
      for (const id of this.model.encodeWord(piece)) ids.push(id);
    }
    return ids;
  }

  /**
   * Rows of [start, ids…, end] in a [n, contextLength] batch. Too-long rows are cut with the end
   * token kept last (OpenAI `truncate=True`); the rest is padding. The mask is 1 from the start
   * token to the last real token; eotPositions is the first end token (where CLIP reads).
   */
  tokenize(texts: string[]): TokenizedBatch {
    const n = texts.length;
    const L = this.spec.contextLength;
    const ids = new Int32Array(n * L);
    const attentionMask = new Int32Array(n * L);
    const eotPositions = new Int32Array(n);
    if (this.padId !== 0) ids.fill(this.padId);
    for (let r = 0; r < n; r++) {
      const body = this.encode(texts[r]!);
      const base = r * L;
      const keep = Math.min(body.length, L - 2);
      ids[base] = this.sot;
      for (let i = 0; i < keep; i++) ids[base + 1 + i] = body[i]!;
      const last = keep + 1;
      ids[base + last] = this.eot;
      attentionMask.fill(1, base, base + last + 1);
      let eotAt = last;
      for (let i = 0; i < keep; i++) {
        if (body[i] === this.eot) {
          eotAt = i + 1;
          break;
        }
      }
      eotPositions[r] = eotAt;
    }
    return { n, contextLength: L, ids, attentionMask, eotPositions };
  }
}

/**
 * A tokenizer for a spec: the bundled OpenAI vocabulary (shared, loaded once), or the export's
 * own tokenizer.json when `spec.tokenizerJson` is set. Bad files raise UserError naming the file.
 */
export async function loadTokenizer(spec: TokenizerSpec): Promise<ClipTokenizer> {
  if (spec.kind !== 'clip-bpe') throw new UserError(`unsupported tokenizer kind ${JSON.stringify(spec.kind)}`);
  const model = spec.tokenizerJson ? await loadTokenizerModel(spec.tokenizerJson) : await bundledModel();
  return new ClipTokenizer(spec, model);
}

let bundled: Promise<BpeModel> | undefined;

function bundledModel(): Promise<BpeModel> {
  bundled ??= loadBundledVocabulary()
    .then((v) => new BpeModel(v))
    .catch((e: unknown) => {
      bundled = undefined;
      throw e;
    });
  return bundled;
}

async function loadTokenizerModel(path: string): Promise<BpeModel> {
  return new BpeModel(await loadTokenizerJsonVocabulary(path));
}
