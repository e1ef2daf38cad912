/**
 * Where the BPE vocabulary comes from:
 *  - OpenAI's `bpe_simple_vocab_16e6.txt` (openai/CLIP `clip/bpe_simple_vocab_16e6.txt.gz`, MIT; see
 *    NOTICE-bpe_simple_vocab_16e6.md), shipped gzipped beside this file and checked against the
 *    SHA-256 of its text on load, built into ids exactly as OpenAI's tokenizer does;
 *  - or an export's own Hugging Face `tokenizer.json` (`model.vocab`, `model.merges`).
 */
import { sha256 } from '../../util/hash.ts';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { UserError } from '../../util/errors.ts';
import { byteAlphabet, END_TOKEN, START_TOKEN, type BpeVocabulary } from './bpe.ts';

/** OpenAI reads merges lines 1 .. 49152-256-2 of the file (line 0 is the version header). */
export const CLIP_MERGE_COUNT = 49152 - 256 - 2;
export const CLIP_VOCAB_SIZE = 49408;

export const BUNDLED_VOCAB_FILE = fileURLToPath(new URL('./bpe_simple_vocab_16e6.txt.gz', import.meta.url));
/**
 * SHA-256 of the uncompressed text (3,194,958 bytes, 262,145 lines from "#version: 0.2"). The gzip
 * bytes are not pinned: they depend on the compressor (upstream's .gz is 1,356,917 bytes, SHA-256
 * 924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a; this one is zlib level 9).
 */
export const BUNDLED_VOCAB_SHA256 = '7e0847f6fced8bd28a736dcaeab20e64ac19010771700197ba479a0a8e517d4f';

/** The text of bpe_simple_vocab_16e6.txt, checked against its SHA-256. */
export async function readBundledMergesText(file = BUNDLED_VOCAB_FILE): Promise<string> {
  let text: Buffer;
  try {
    text = gunzipSync(await readFile(file));
  } catch (e) {
    throw new UserError(`cannot read the CLIP BPE vocabulary ${file}: ${(e as Error).message}; reinstall clip-bench`);
  }
  const sha = sha256(text);
  if (sha !== BUNDLED_VOCAB_SHA256) {
    throw new UserError(`${file}: SHA-256 of its text is ${sha}, expected ${BUNDLED_VOCAB_SHA256} (a damaged or replaced file); reinstall clip-bench`);
  }
  return text.toString('utf8');
}

function rankMerges(merges: [string, string][]): Map<string, number> {
  const ranks = new Map<string, number>();
  // A repeated pair keeps its last rank, like Python's dict(zip(merges, range(...))).
  merges.forEach(([a, b], i) => ranks.set(a + ' ' + b, i));
  return ranks;
}

/** OpenAI's construction: bytes, bytes + '</w>', each merge joined, then the two specials. */
export function vocabularyFromMergesText(text: string, source: string): BpeVocabulary {
  const lines = text.split('\n').slice(1, CLIP_MERGE_COUNT + 1);
  if (lines.length !== CLIP_MERGE_COUNT) {
    throw new UserError(`${source}: expected ${CLIP_MERGE_COUNT} BPE merges, found ${lines.length}`);
  }
  const merges = lines.map((line, i): [string, string] => {
    const parts = line.split(/\s+/).filter((p) => p !== '');
    if (parts.length !== 2) throw new UserError(`${source}: malformed merge on line ${i + 2}: ${JSON.stringify(line)}`);
    return [parts[0]!, parts[1]!];
  });
  const { ordered } = byteAlphabet();
  const tokens = [...ordered, ...ordered.map((c) => c + '</w>'), ...merges.map(([a, b]) => a + b), START_TOKEN, END_TOKEN];
  const encoder = new Map<string, number>();
  tokens.forEach((t, i) => encoder.set(t, i)); // a later duplicate wins, like Python's dict(zip(...))
  return {
    encoder,
    ranks: rankMerges(merges),
    merges,
    sot: encoder.get(START_TOKEN)!,
    eot: encoder.get(END_TOKEN)!,
    source,
  };
}

let bundled: Promise<BpeVocabulary> | undefined;

/** The bundled OpenAI vocabulary, loaded once per process. */
export function loadBundledVocabulary(): Promise<BpeVocabulary> {
  bundled ??= readBundledMergesText()
    .then((text) => vocabularyFromMergesText(text, 'bpe_simple_vocab_16e6'))
    .catch((e: unknown) => {
      bundled = undefined;
      throw e;
    });
  return bundled;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An export's Hugging Face tokenizer.json: `model.vocab` ({token: id}) and `model.merges`. */
export async function loadTokenizerJsonVocabulary(path: string): Promise<BpeVocabulary> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read tokenizer file ${path}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch (e) {
    throw new UserError(`tokenizer file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  const bad = (why: string) => new UserError(`tokenizer file ${path}: ${why}`);
  if (!isRecord(doc) || !isRecord(doc.model)) throw bad('no "model" object (not a Hugging Face tokenizer.json?)');
  const model = doc.model;
  if (model.type !== undefined && model.type !== 'BPE') throw bad(`model.type is ${JSON.stringify(model.type)}, expected "BPE"`);
  if (model.end_of_word_suffix != null && model.end_of_word_suffix !== '</w>') {
    throw bad(`model.end_of_word_suffix is ${JSON.stringify(model.end_of_word_suffix)}; CLIP BPE uses "</w>"`);
  }
  if (!isRecord(model.vocab)) throw bad('model.vocab is missing or not an object');
  if (!Array.isArray(model.merges)) throw bad('model.merges is missing or not an array');

  const encoder = new Map<string, number>();
  for (const [tok, id] of Object.entries(model.vocab)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw bad(`model.vocab[${JSON.stringify(tok)}] is not a token id`);
    encoder.set(tok, id);
  }
  const merges = model.merges.map((m: unknown, i: number): [string, string] => {
    if (typeof m === 'string') {
      const parts = m.split(' ');
      if (parts.length === 2 && parts[0] && parts[1]) return [parts[0], parts[1]];
    } else if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') {
      return [m[0], m[1]];
    }
    throw bad(`model.merges[${i}] is not a pair: ${JSON.stringify(m)}`);
  });

  const addedId = (content: string): number | undefined => {
    if (!Array.isArray(doc.added_tokens)) return undefined;
    for (const t of doc.added_tokens) {
      if (isRecord(t) && t.content === content && typeof t.id === 'number') return t.id;
    }
    return undefined;
  };
  const special = (content: string): number => {
    const id = encoder.get(content) ?? addedId(content);
    if (id === undefined) throw bad(`has no ${content} token`);
    return id;
  };
  const unk = typeof model.unk_token === 'string' ? encoder.get(model.unk_token) : undefined;
  return {
    encoder,
    ranks: rankMerges(merges),
    merges,
    sot: special(START_TOKEN),
    eot: special(END_TOKEN),
    ...(unk !== undefined ? { unk } : {}),
    source: path,
  };
}
