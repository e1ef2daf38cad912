/**
 * Byte-level BPE as in OpenAI's CLIP `simple_tokenizer.py`: each pre-token's UTF-8 bytes are
 * mapped to printable characters (`bytes_to_unicode`), the last one gets the `</w>` suffix, and
 * the lowest-ranked adjacent pair is merged (every non-overlapping occurrence, left to right)
 * until no ranked pair is left.
 */

/** The reference's `bytes_to_unicode`, as an array indexed by byte, in vocabulary order below. */
export interface ByteAlphabet {
  /** byte -> its printable stand-in. */
  byChar: string[];
  /** The 256 stand-ins in the reference's vocabulary order (printable bytes first). */
  ordered: string[];
}

let alphabet: ByteAlphabet | undefined;

export function byteAlphabet(): ByteAlphabet {
  if (alphabet) return alphabet;
  const printable: number[] = [];
  const push = (from: number, to: number) => {
    for (let b = from; b <= to; b++) printable.push(b);
  };
  push(0x21, 0x7e); // '!'..'~'
  push(0xa1, 0xac); // '¡'..'¬'
  push(0xae, 0xff); // '®'..'ÿ'
  const byChar = new Array<string>(256);
  const ordered: string[] = [];
  for (const b of printable) {
    byChar[b] = String.fromCharCode(b);
    ordered.push(byChar[b]!);
  }
  let shift = 0;
  for (let b = 0; b < 256; b++) {
    if (byChar[b] !== undefined) continue;
    byChar[b] = String.fromCharCode(256 + shift++);
    ordered.push(byChar[b]!);
  }
  alphabet = { byChar, ordered };
  return alphabet;
}

/** Everything BPE needs: token ids and merge ranks. */
export interface BpeVocabulary {
  /** token string -> id. */
  encoder: Map<string, number>;
  /** "left right" -> rank (lower merges first). */
  ranks: Map<string, number>;
  /** The merges in rank order, as [left, right]. */
  merges: [string, string][];
  sot: number;
  eot: number;
  /** Id used for a piece missing from the vocabulary (never happens with CLIP's); else throw. */
  unk?: number;
  /** Where it came from, for messages. */
  source: string;
}

export const START_TOKEN = '<|startoftext|>';
export const END_TOKEN = '<|endoftext|>';
const END_OF_WORD = '</w>';
/** Bound on the per-word cache, so pathological inputs cannot grow it without limit. */
const CACHE_LIMIT = 200_000;

/**
 * BPE over one vocabulary, with the reference's per-word cache (keyed by the byte-mapped
 * pre-token; the two special tokens are pre-seeded, so typing them in the text yields their ids).
 */
export class BpeModel {
  private readonly cache = new Map<string, readonly number[]>();
  private readonly encoder = new TextEncoder();

  constructor(readonly vocab: BpeVocabulary) {
    this.seed();
  }

  private seed(): void {
    this.cache.set(START_TOKEN, [this.vocab.sot]);
    this.cache.set(END_TOKEN, [this.vocab.eot]);
  }

  /** Ids for one pre-token (raw text; it is byte-mapped here). */
  encodeWord(pretoken: string): readonly number[] {
    const { byChar } = byteAlphabet();
    let mapped = '';
    for (const b of this.encoder.encode(pretoken)) mapped += byChar[b]!;
    const hit = this.cache.get(mapped);
    if (hit) return hit;
    const ids = this.bpe(mapped).map((piece) => this.idOf(piece));
    if (this.cache.size >= CACHE_LIMIT) {
      this.cache.clear();
      this.seed();
    }
    this.cache.set(mapped, ids);
    return ids;
  }

  private idOf(piece: string): number {
    const id = this.vocab.encoder.get(piece);
    if (id !== undefined) return id;
    if (this.vocab.unk !== undefined) return this.vocab.unk;
    throw new Error(`${this.vocab.source}: BPE piece ${JSON.stringify(piece)} is not in the vocabulary`);
  }

  /** The BPE pieces of a byte-mapped word. */
  bpe(word: string): string[] {
    const chars = Array.from(word);
    if (chars.length === 0) return [];
    let parts = chars.slice(0, -1);
    parts.push(chars[chars.length - 1]! + END_OF_WORD);
    const ranks = this.vocab.ranks;
    while (parts.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < parts.length - 1; i++) {
        const r = ranks.get(parts[i] + ' ' + parts[i + 1]);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      const first = parts[best]!;
      const second = parts[best + 1]!;
      const merged: string[] = [];
      for (let i = 0; i < parts.length; ) {
        if (i < parts.length - 1 && parts[i] === first && parts[i + 1] === second) {
          merged.push(first + second);
          i += 2;
        } else {
          merged.push(parts[i]!);
          i += 1;
        }
      }
      parts = merged;
    }
    return parts;
  }
}
