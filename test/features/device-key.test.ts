import { describe, expect, it } from 'vitest';
import { imageFeatureKeyOf } from '../../src/features/extract.ts';
import { textFeatureKey } from '../../src/features/text.ts';
import { featureKeyHash } from '../../src/features/store.ts';
import type { PreprocessConfig } from '../../src/model/preprocess/config.ts';

const files = [
  { role: 'vision', sha256: 'a'.repeat(64) },
  { role: 'text', sha256: 'b'.repeat(64) },
];
const preprocess = { size: 224 } as unknown as PreprocessConfig;

describe('feature-cache keys and the execution provider', () => {
  it('a CPU encoder keeps the key it had before --device existed (no device field)', () => {
    const key = imageFeatureKeyOf({ files, preprocess, device: 'cpu' }, 'cifar10@x', 'test', 'none');
    expect('device' in key).toBe(false);
    expect(featureKeyHash(key)).toBe(featureKeyHash(imageFeatureKeyOf({ files, preprocess }, 'cifar10@x', 'test', 'none')));
  });

  it('image embeddings made on a GPU are cached apart from the CPU ones', () => {
    const cpu = imageFeatureKeyOf({ files, preprocess }, 'cifar10@x', 'test', 'none');
    const cuda = imageFeatureKeyOf({ files, preprocess, device: 'cuda' }, 'cifar10@x', 'test', 'none');
    expect(cuda.device).toBe('cuda');
    expect(featureKeyHash(cuda)).not.toBe(featureKeyHash(cpu));
  });

  it('prompt embeddings made on a GPU are cached apart from the CPU ones', () => {
    const texts = ['a photo of a cat.'];
    expect(featureKeyHash(textFeatureKey({ files, device: 'cuda' }, texts))).not.toBe(featureKeyHash(textFeatureKey({ files }, texts)));
    expect(featureKeyHash(textFeatureKey({ files, device: 'cpu' }, texts))).toBe(featureKeyHash(textFeatureKey({ files }, texts)));
  });

  it('each int8 encode mode (per-row-dq, one-per-run) is cached apart from batched and from each other; batched keeps its key', () => {
    const batched = imageFeatureKeyOf({ files, preprocess }, 'cifar10@x', 'test', 'none');
    const single = imageFeatureKeyOf({ files, preprocess, imageEncodeMode: 'one-per-run' }, 'cifar10@x', 'test', 'none');
    const perRow = imageFeatureKeyOf({ files, preprocess, imageEncodeMode: 'per-row-dq' }, 'cifar10@x', 'test', 'none');
    expect(new Set([batched, single, perRow].map(featureKeyHash)).size).toBe(3);
    expect(featureKeyHash(imageFeatureKeyOf({ files, preprocess, imageEncodeMode: 'batched' }, 'cifar10@x', 'test', 'none'))).toBe(featureKeyHash(batched));
  });
});
