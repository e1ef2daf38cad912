import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_MODEL,
  MODEL_REGISTRY,
  fileUrl,
  getRegistryEntry,
  hubBaseUrl,
  isWeightFile,
  registryNames,
  totalSize,
} from '../../src/model/registry.ts';
import { resolveModelRef } from '../../src/model/resolve.ts';
import { CLIP_224 } from '../../src/model/preprocess/config.ts';
import { UserError } from '../../src/util/errors.ts';

const HEX64 = /^[0-9a-f]{64}$/;
const SHA1 = /^[0-9a-f]{40}$/;

describe('model registry', () => {
  it('lists clip-vit-b32, its int8 variant and clip-vit-b16, each name once', () => {
    expect(registryNames()).toEqual(['clip-vit-b32', 'clip-vit-b32-int8', 'clip-vit-b16']);
  });

  it('defaults to the demo export in models/demo-clip', () => {
    expect(DEFAULT_MODEL).toBe('models/demo-clip');
  });

  it('pins every file of a pinned entry by SHA-256 and size, and the revision by commit', () => {
    for (const entry of MODEL_REGISTRY.filter((e) => e.hub.revision !== null)) {
      expect(entry.hub.revision).toMatch(SHA1);
      for (const f of entry.files) {
        expect(f.sha256, `${entry.name} ${f.path}`).toMatch(HEX64);
        expect(f.size, `${entry.name} ${f.path}`).toBeGreaterThan(0);
      }
    }
  });

  it('has a vision tower, a text tower and the transformers.js JSON files in every entry', () => {
    for (const entry of MODEL_REGISTRY) {
      const roles = entry.files.map((f) => f.role).sort();
      expect(roles).toEqual(['config', 'preprocessor', 'special-tokens', 'text', 'tokenizer', 'tokenizer-config', 'vision']);
      expect(entry.files.filter(isWeightFile).map((f) => f.path.startsWith('onnx/'))).toEqual([true, true]);
    }
  });

  it('describes clip-vit-b32 as the Xenova fp32 export with CLIP preprocessing and an eot-padded 77-token tokenizer', () => {
    const e = getRegistryEntry('clip-vit-b32')!;
    expect(e.hub).toEqual({ repo: 'Xenova/clip-vit-base-patch32', revision: 'd15189d7028b43f1d3e65039190477f6af591c2a' });
    expect(e.files.find((f) => f.role === 'vision')).toMatchObject({ path: 'onnx/vision_model.onnx', size: 351_685_709 });
    expect(e.files.find((f) => f.role === 'text')).toMatchObject({ path: 'onnx/text_model.onnx', size: 254_058_553 });
    expect(e.preprocess).toEqual(CLIP_224);
    expect(e.tokenizer).toMatchObject({ kind: 'clip-bpe', contextLength: 77, padding: 'eot', lowercase: true });
    expect(e.textInputs).toEqual({ names: ['input_ids'], idsDtype: 'int64' });
    expect(e.embeddingDim).toBe(512);
  });

  it('points clip-vit-b32-int8 at the quantized towers of the same snapshot', () => {
    const fp32 = getRegistryEntry('clip-vit-b32')!;
    const int8 = getRegistryEntry('clip-vit-b32-int8')!;
    expect(int8.variant).toBe('quantized');
    expect(int8.hub).toEqual(fp32.hub);
    expect(int8.files.filter(isWeightFile).map((f) => f.path)).toEqual([
      'onnx/vision_model_quantized.onnx',
      'onnx/text_model_quantized.onnx',
    ]);
    expect(int8.files.filter((f) => !isWeightFile(f))).toEqual(fp32.files.filter((f) => !isWeightFile(f)));
  });

  it('marks clip-vit-b16 as unpinned (null revision and hashes) rather than guessing', () => {
    const e = getRegistryEntry('clip-vit-b16')!;
    expect(e.hub.revision).toBeNull();
    expect(e.files.every((f) => f.sha256 === null)).toBe(true);
    expect(totalSize(e.files).complete).toBe(false);
  });

  it('builds hub download URLs, with the base overridable by CLIP_BENCH_HUB_URL', () => {
    const e = getRegistryEntry('clip-vit-b32')!;
    const vision = e.files[0];
    expect(fileUrl(e, vision, {})).toBe(
      'https://huggingface.co/Xenova/clip-vit-base-patch32/resolve/d15189d7028b43f1d3e65039190477f6af591c2a/onnx/vision_model.onnx',
    );
    expect(fileUrl(e, vision, { CLIP_BENCH_HUB_URL: 'http://127.0.0.1:9/mirror/' })).toBe(
      'http://127.0.0.1:9/mirror/Xenova/clip-vit-base-patch32/resolve/d15189d7028b43f1d3e65039190477f6af591c2a/onnx/vision_model.onnx',
    );
    expect(hubBaseUrl({ CLIP_BENCH_HUB_URL: '  ' })).toBe('https://huggingface.co');
    expect(fileUrl(getRegistryEntry('clip-vit-b16')!, vision, {})).toContain('/Xenova/clip-vit-base-patch16/resolve/main/');
  });

  it('sums the download size of clip-vit-b32 to about 608 MB', () => {
    expect(totalSize(getRegistryEntry('clip-vit-b32')!.files)).toEqual({ bytes: 607_974_672, complete: true });
  });
});

describe('resolveModelRef', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'clip-resolve-'));
  mkdirSync(join(cwd, 'my-export'));
  mkdirSync(join(cwd, 'clip-vit-b32'));
  writeFileSync(join(cwd, 'model.onnx'), 'x');

  it('resolves a registry name to its entry', () => {
    const r = resolveModelRef('clip-vit-b32-int8', { cwd });
    expect(r.kind).toBe('registry');
    expect(r.kind === 'registry' && r.entry.name).toBe('clip-vit-b32-int8');
  });

  it('resolves an existing directory, relative to cwd, to that directory', () => {
    expect(resolveModelRef('my-export', { cwd })).toEqual({ kind: 'dir', dir: join(cwd, 'my-export') });
    expect(resolveModelRef(join(cwd, 'my-export'))).toEqual({ kind: 'dir', dir: join(cwd, 'my-export') });
  });

  it('prefers the registry for a bare name, and a directory for ./name', () => {
    expect(resolveModelRef('clip-vit-b32', { cwd }).kind).toBe('registry');
    expect(resolveModelRef('./clip-vit-b32', { cwd })).toEqual({ kind: 'dir', dir: join(cwd, 'clip-vit-b32') });
  });

  it('rejects a missing path with the registry names and the path it tried', () => {
    let err: unknown;
    try {
      resolveModelRef('nope/missing', { cwd });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      `--model nope/missing: no such directory (${join(cwd, 'nope/missing')}) and not a registry model. ` +
        `Registry models: clip-vit-b32, clip-vit-b32-int8, clip-vit-b16.`,
    );
  });

  it('rejects a file where a directory is expected', () => {
    expect(() => resolveModelRef('model.onnx', { cwd })).toThrow(/is a file; pass the export's directory/);
  });
});
