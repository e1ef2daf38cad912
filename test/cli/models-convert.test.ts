import { existsSync, mkdtempSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/models.ts';
import { writeTinyExport } from '../helpers/tiny-exports.ts';
import { runMain } from './capture.ts';

const work = mkdtempSync(join(tmpdir(), 'clip-cli-convert-'));
const env = { CLIP_BENCH_HUB_URL: 'http://127.0.0.1:9', CLIP_BENCH_MODELS: join(work, 'models-cache') };
const run = (argv: string[]) => runMain((a, io) => main(a, { ...io, cwd: work, env }), argv);

beforeAll(async () => {
  await writeTinyExport(join(work, 'tiny'), { layout: 'transformers.js' });
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('models convert: bad input', () => {
  it('rejects an unknown --to with exit 2 and one line naming the choices', async () => {
    const r = await run(['convert', 'tiny', '--to', 'int4', '--out', 'x']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: --to must be fp16 or int8-dynamic, got "int4"\n');
  });

  it('reports a missing model with exit 2 and writes nothing', async () => {
    const r = await run(['convert', './no-such-export', '--to', 'fp16', '--out', 'never']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: --model \.\/no-such-export: no such directory/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(work, 'never'))).toBe(false);
  });

  it('refuses an --out that already holds files unless --force', async () => {
    mkdirSync(join(work, 'full'));
    writeFileSync(join(work, 'full', 'keep.txt'), 'x');
    const r = await run(['convert', 'tiny', '--to', 'fp16', '--out', 'full']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`error: --out full: ${join(work, 'full')} already holds files (keep.txt); choose a new directory, or pass --force to write into it\n`);
    expect(readdirSync(join(work, 'full'))).toEqual(['keep.txt']);
  });

  it('reports a source tower onnxruntime cannot load with exit 2, naming the file', async () => {
    await writeTinyExport(join(work, 'corrupt'), { layout: 'transformers.js' });
    writeFileSync(join(work, 'corrupt', 'onnx', 'text_model.onnx'), 'garbage');
    const r = await run(['convert', './corrupt', '--to', 'int8-dynamic', '--out', 'corrupt-int8']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^error: ${join(work, 'corrupt', 'onnx', 'text_model.onnx')}: onnxruntime cannot load this model`));
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(work, 'corrupt-int8'))).toBe(false);
    expect(readdirSync(work).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('refuses --per-channel with --to fp16', async () => {
    const r = await run(['convert', 'tiny', '--to', 'fp16', '--per-channel', '--out', 'y']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: --per-channel applies to --to int8-dynamic only\n');
  });

  it('requires --to and --out', async () => {
    expect((await run(['convert', 'tiny', '--out', 'z'])).err).toBe('error: convert needs --to fp16 or --to int8-dynamic\n');
    expect((await run(['convert', 'tiny', '--to', 'fp16'])).err).toBe('error: convert needs --out <dir> for the converted export\n');
  });
});

describe('models convert → inspect', () => {
  it('converts with --force over a non-empty --out, replacing what was there', async () => {
    mkdirSync(join(work, 'old'));
    writeFileSync(join(work, 'old', 'stale.txt'), 'x');
    const r = await run(['convert', 'tiny', '--to', 'int8-dynamic', '--per-channel', '--out', 'old', '--force']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('wrote old/onnx/vision_model_quantized.onnx');
    expect(r.out.trim().split('\n').at(-1)).toMatch(/^converted tiny to int8-dynamic in [\d.]+ s; load it with --model old --variant quantized$/);
    expect(readdirSync(join(work, 'old')).sort()).toEqual(['config.json', 'model.json', 'onnx', 'preprocessor_config.json']);
  });

  it('inspect lists the converted variant and the conversion record, as text and JSON', async () => {
    await run(['convert', 'tiny', '--to', 'fp16', '--out', 'tiny-fp16']);
    const text = await run(['inspect', './tiny-fp16']);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/variants:\n {2}fp16 +[\d.]+ [kKM]?B\n {4}vision onnx\/vision_model_fp16\.onnx/);
    expect(text.out).toMatch(/conversion: +fp16 of tiny by clip-bench /);
    const json = await run(['inspect', './tiny-fp16', '--json']);
    const info = JSON.parse(json.out);
    expect(info.variants.map((v: { variant: string }) => v.variant)).toEqual(['fp16']);
    expect(info.conversion.source.files.map((f: { file: string }) => f.file)).toEqual(['onnx/vision_model.onnx', 'onnx/text_model.onnx']);
  });
});
