import { sha256 } from '../util/hash.ts';
import { encoderDevice, FeatureStore, range, type FeatureKey } from './store.ts';

/** The part of a loaded model that text embedding needs. */
export interface TextEncoder {
  files: { role: string; sha256: string }[];
  tokenizer?: unknown;
  /** onnxruntime execution provider (absent: cpu). */
  device?: string;
  encodeTexts(texts: string[]): Promise<Float32Array>;
}

/**
 * Embeddings of `texts` ([m, d], raw), cached like image features: keyed by the text tower's file
 * hashes, the tokenizer settings and the exact prompt list.
 */
/** The key of a prompt list's embeddings: text-tower hashes, tokenizer settings, the exact prompts, the device. */
export function textFeatureKey(encoder: Omit<TextEncoder, 'encodeTexts'>, texts: string[]): FeatureKey {
  return {
    kind: 'text',
    modelFiles: encoder.files.filter((f) => f.role === 'text').map((f) => ({ role: f.role, sha256: f.sha256 })),
    tokenizer: encoder.tokenizer,
    texts: sha256(JSON.stringify(texts)),
    ...encoderDevice(encoder.device),
  };
}

export async function embedTexts(
  encoder: TextEncoder,
  texts: string[],
  cacheRoot: string | null,
): Promise<{ data: Float32Array; dim: number; cached: boolean }> {
  const store = cacheRoot ? new FeatureStore(cacheRoot, textFeatureKey(encoder, texts)) : null;
  const hit = store ? await store.readAll(texts.length) : null;
  if (hit) return { ...hit, cached: true };
  const data = await encoder.encodeTexts(texts);
  const dim = data.length / Math.max(1, texts.length);
  if (store) {
    await store.init();
    await store.append(range(texts.length), data, dim);
  }
  return { data, dim, cached: false };
}
