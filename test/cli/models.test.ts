import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main, type CliContext } from '../../src/cli/models.ts';
import { CLIP_224 } from '../../src/model/preprocess/config.ts';
import type { RegistryEntry, RegistryFile } from '../../src/model/registry.ts';
import { MODEL_REGISTRY } from '../../src/model/registry.ts';
import { sha256 } from '../../src/util/hash.ts';
import { writeTinyExport } from '../helpers/tiny-exports.ts';

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(argv: string[], ctx: Partial<CliContext> = {}): Promise<Run> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    ...ctx,
  });
  return { code, out, err };
}

/** A port nothing listens on: the "hub" is unreachable. */
async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

let dead: string;
let offlineEnv: NodeJS.ProcessEnv;
const work = mkdtempSync(join(tmpdir(), 'clip-cli-models-'));

beforeAll(async () => {
  dead = await deadUrl();
  offlineEnv = { CLIP_BENCH_HUB_URL: dead, CLIP_BENCH_MODELS: join(work, 'models-cache') };
});

describe('models CLI: errors', () => {
  it('rejects an unknown flag with exit 2, a one-line error and no stack', async () => {
    const r = await run(['list', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`error: Unknown option '--bogus' (see: npm run models -- list --help)\n`);
    expect(r.out).toBe('');
  });

  it('rejects an unknown command, naming the commands', async () => {
    const r = await run(['download']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: unknown command "download"; commands: list, inspect, tokenize, preprocess/);
  });

  it('reports a missing image file with its path', async () => {
    const r = await run(['preprocess', '--model', 'clip-vit-b32', 'no-such.png', '--out', 'x.npy'], { cwd: work, env: offlineEnv });
    expect(r.code).toBe(2);
    expect(r.err).toBe(`error: image not found: ${join(work, 'no-such.png')}\n`);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('checks preprocess --out before reading the model or the image', async () => {
    const file = join(work, 'a-file');
    writeFileSync(file, 'x');
    const r = await run(['preprocess', '--model', 'no-such-model', 'no-such.png', '--out', 'a-file/x.npy'], { cwd: work, env: offlineEnv });
    expect(r.code).toBe(2);
    expect(r.err).toBe(`error: --out ${join(work, 'a-file/x.npy')}: ${file} is a file, not a directory; choose a directory\n`);
  });

  it('refuses a --models-dir that is a file', async () => {
    writeFileSync(join(work, 'models-file'), 'x');
    const r = await run(['tokenize', '--models-dir', 'models-file', 'a dog'], { cwd: work, env: offlineEnv });
    expect(r.code).toBe(2);
    expect(r.err).toBe(`error: --models-dir models-file: ${join(work, 'models-file')} is a file, not a directory; choose a directory\n`);
  });

  it('requires --out for preprocess', async () => {
    const r = await run(['preprocess', 'img.png'], { cwd: work });
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: preprocess needs --out <file.npy>\n');
  });

  it('requires at least one text for tokenize', async () => {
    const r = await run(['tokenize', '--model', 'clip-vit-b32']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: tokenize needs at least one text/);
  });

  it('reports a --model that is neither a directory nor a registry name, listing the registry', async () => {
    const r = await run(['tokenize', '--model', './missing-export', 'a dog'], { cwd: work, env: offlineEnv });
    expect(r.code).toBe(2);
    expect(r.err).toContain(`error: --model ./missing-export: no such directory (${join(work, 'missing-export')})`);
    expect(r.err).toContain('Registry models: clip-vit-b32, clip-vit-b32-int8, clip-vit-b16.');
  });

  it('refuses an unpinned registry model without --allow-unverified', async () => {
    const r = await run(['inspect', 'clip-vit-b16'], { env: offlineEnv });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: model clip-vit-b16 has no pinned SHA-256 .* Pass --allow-unverified/);
  });

  it('gives the offline message when a registry model must be downloaded and the hub is down', async () => {
    const r = await run(['inspect', 'clip-vit-b32-int8'], { env: offlineEnv });
    expect(r.code).toBe(2);
    const dir = join(offlineEnv.CLIP_BENCH_MODELS!, 'clip-vit-b32-int8', 'd15189d7028b43f1d3e65039190477f6af591c2a');
    expect(r.err).toMatch(/^error: model clip-vit-b32-int8 is not downloaded and the hub is unreachable \(ECONNREFUSED\)/);
    expect(r.err).toContain(`${dead}/Xenova/clip-vit-base-patch32/resolve/d15189d7028b43f1d3e65039190477f6af591c2a/onnx/vision_model_quantized.onnx`);
    expect(r.err).toContain(`into ${dir}, or pass --model <dir> for a local export.`);
  });
});

describe('models CLI: as a process', () => {
  it('exits 2 with "error: …" on stderr and no stack for a wrong flag (npx tsx src/cli/models.ts)', () => {
    const r = spawnSync('npx', ['tsx', 'src/cli/models.ts', 'tokenize', '--modle', 'x', 'a dog'], {
      cwd: fileURLToPath(new URL('../../', import.meta.url)),
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n').filter((l) => !l.startsWith('npm warn'))).toEqual([
      `error: Unknown option '--modle' (see: npm run models -- tokenize --help)`,
    ]);
    expect(r.stdout).toBe('');
  });
});

describe('models CLI: help', () => {
  for (const cmd of ['list', 'inspect', 'tokenize', 'preprocess']) {
    it(`${cmd} --help prints usage with examples and exits 0`, async () => {
      const r = await run([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^Usage: npm run models -- ${cmd}`));
      expect(r.out).toContain('Examples:');
    });
  }

  it('prints the command overview for --help', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Default model: models/demo-clip.');
  });
});

describe('models CLI: list', () => {
  it('shows every registry model, not downloaded, with its size, and the default model', async () => {
    const r = await run(['list'], { env: offlineEnv });
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^name\s+size\s+state\s+description$/);
    expect(lines.find((l) => l.startsWith('clip-vit-b32 '))).toMatch(/^clip-vit-b32\s+608\.0 MB\s+not downloaded\s+OpenAI CLIP ViT-B\/32/);
    expect(lines.find((l) => l.startsWith('clip-vit-b32-int8 '))).toMatch(/155\.9 MB\s+not downloaded/);
    expect(lines.find((l) => l.startsWith('clip-vit-b16 '))).toMatch(/unknown\s+not downloaded/);
    expect(r.out).toContain(`cache: ${offlineEnv.CLIP_BENCH_MODELS}`);
    expect(r.out).toContain('default model (no --model): models/demo-clip');
  });

  it('--json gives names, revisions and byte counts', async () => {
    const r = await run(['list', '--json'], { env: offlineEnv });
    const json = JSON.parse(r.out);
    expect(json.defaultModel).toBe('models/demo-clip');
    expect(json.models.map((m: { name: string }) => m.name)).toEqual(MODEL_REGISTRY.map((e) => e.name));
    expect(json.models[0]).toMatchObject({ bytes: 607_974_672, state: 'not downloaded', revision: 'd15189d7028b43f1d3e65039190477f6af591c2a' });
  });
});

describe('models CLI: tokenize', () => {
  it('tokenizes for a registry model with no weights and no hub, padding with <|endoftext|>', async () => {
    const r = await run(['tokenize', '--model', 'clip-vit-b32', 'a photo of a dog', 'A photo of a cat.'], { env: offlineEnv });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rows = r.out.trim().split('\n').map((l) => JSON.parse(l) as number[]);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveLength(77);
    expect(rows[0].slice(0, 8)).toEqual([49406, 320, 1125, 539, 320, 1929, 49407, 49407]);
    expect(rows[0].slice(7).every((id) => id === 49407)).toBe(true);
    expect(rows[1][0]).toBe(49406);
    const listed = await run(['list'], { env: offlineEnv });
    expect(listed.out).toMatch(/^clip-vit-b32\s+608\.0 MB\s+not downloaded/m);
    expect(existsSync(join(offlineEnv.CLIP_BENCH_MODELS!, 'clip-vit-b32', 'd15189d7028b43f1d3e65039190477f6af591c2a', 'onnx'))).toBe(false);
  });
});

describe('models CLI: preprocess', () => {
  it('writes a float32 [1,3,224,224] .npy for a registry model with no weights, and prints the channel means', async () => {
    const sharp = (await import('sharp')).default;
    const img = join(work, 'gray.png');
    await sharp({ create: { width: 160, height: 256, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toFile(img);
    const r = await run(['preprocess', '--model', 'clip-vit-b32', 'gray.png', '--out', 'out/gray.npy'], { cwd: work, env: offlineEnv });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const npy = readFileSync(join(work, 'out/gray.npy'));
    expect(npy.subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
    const header = npy.subarray(10, 10 + npy.readUInt16LE(8)).toString('latin1');
    expect(header).toMatch(/'descr': '<f4'/);
    expect(header).toMatch(/'shape': \(1, 3, 224, 224\)/);
    expect(npy.length).toBe(10 + npy.readUInt16LE(8) + 4 * 3 * 224 * 224);
    expect(r.out).toContain(`wrote ${join(work, 'out/gray.npy')}: float32 [1, 3, 224, 224]`);
    const means = JSON.parse(/per-channel mean: (\[.*\])/.exec(r.out)![1]) as number[];
    const expected = [0, 1, 2].map((c) => (128 / 255 - CLIP_224.mean[c]) / CLIP_224.std[c]);
    means.forEach((m, c) => expect(m).toBeCloseTo(expected[c], 3));
  });
});

describe('models CLI: inspect', () => {
  let server: Server;
  let hubUrl: string;
  let twoFileDir: string;
  const served = new Map<string, Buffer>();

  beforeAll(async () => {
    // two-file: loads without preprocessor_config.json (no HF preprocessing parser needed).
    twoFileDir = join(work, 'tiny-two-file');
    await writeTinyExport(twoFileDir, { layout: 'two-file', dim: 8 });
    for (const path of walk(twoFileDir)) served.set(path, readFileSync(join(twoFileDir, path)));
    server = createServer((req, res) => {
      const m = /^\/test-org\/tiny\/resolve\/r1\/(.+)$/.exec(req.url ?? '');
      const body = m ? served.get(m[1]) : undefined;
      if (!body) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    hubUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  it('inspect --json is one JSON document on stdout with the same facts', async () => {
    const r = await run(['inspect', twoFileDir, '--json']);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out);
    expect(info).toMatchObject({ layout: 'two-file', embeddingDim: 8, hasText: true, dir: twoFileDir });
    expect(info.files.find((f: { role: string }) => f.role === 'vision').sha256).toBe(sha256(served.get('visual.onnx')!));
    expect(info.signature.vision.input.shape).toEqual(['batch', 3, 224, 224]);
  });

  it('inspects a local export directory: layout, files, signature, preprocessing, tokenizer', async () => {
    const r = await run(['inspect', twoFileDir]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^layout:\s+two-file$/m);
    expect(r.out).toMatch(/^\s+vision: input float32 \[batch, 3, 224, 224\] -> output float32/m);
    expect(r.out).toMatch(/^\s+text:\s+text int64 \[\w+, 77\] -> output float32/m);
    expect(r.out).toMatch(new RegExp(`^  vision visual\\.onnx  \\S+ \\S+  sha256 ${sha256(served.get('visual.onnx')!)}$`, 'm'));
    expect(r.out).toMatch(/^embedding dim: 8$/m);
    expect(r.out).toMatch(/^preprocess:\s+\{"resizeMode":"shortest","size":224/m);
    expect(r.out).toMatch(/^tokenizer:\s+\{"kind":"clip-bpe","contextLength":77,"padding":"zeros"/m);
  });

  it('tokenizes with a local export\'s own spec (two-file: OpenAI zero padding)', async () => {
    const r = await run(['tokenize', '--model', twoFileDir, 'a photo of a dog']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const ids = JSON.parse(r.out) as number[];
    expect(ids).toHaveLength(77);
    expect(ids.slice(0, 8)).toEqual([49406, 320, 1125, 539, 320, 1929, 49407, 0]);
  });

  it('inspects a transformers.js export', async () => {
    const dir = join(work, 'tiny-tjs');
    await writeTinyExport(dir, { layout: 'transformers.js', dim: 8, quantizedVariant: true });
    const r = await run(['inspect', dir, '--variant', 'quantized']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^layout:\s+transformers\.js$/m);
    expect(r.out).toContain('onnx/vision_model_quantized.onnx');
    expect(r.out).toMatch(/^\s+vision: pixel_values float32 \[.*\] -> image_embeds float32/m);
    expect(r.out).toMatch(/^\s+text:\s+input_ids int64 \[.*\], attention_mask int64/m);
  });

  it('downloads a registry model from the (loopback) hub, verifies it, then inspects it', async () => {
    const files: RegistryFile[] = [...served.keys()].map((path) => ({
      path,
      role: path === 'visual.onnx' ? 'vision' : path === 'textual.onnx' ? 'text' : 'config',
      sha256: sha256(served.get(path)!),
      size: served.get(path)!.length,
    }));
    const entry: RegistryEntry = {
      ...MODEL_REGISTRY[0],
      name: 'tiny-registry',
      hub: { repo: 'test-org/tiny', revision: 'r1' },
      files,
      embeddingDim: 8,
    };
    const env = { CLIP_BENCH_HUB_URL: hubUrl, CLIP_BENCH_MODELS: join(work, 'cache2') };
    const r = await run(['inspect', 'tiny-registry'], { env, registry: [entry] });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^model:\s+tiny-registry$/m);
    expect(r.out).toMatch(/^registry:\s+tiny-registry = test-org\/tiny@r1$/m);
    expect(r.out).toContain(`directory:     ${join(work, 'cache2', 'tiny-registry', 'r1')}\n`);
    for (const f of files.filter((f) => f.role === 'vision' || f.role === 'text')) expect(r.out).toContain(`sha256 ${f.sha256}`);

    const listed = await run(['list'], { env, registry: [entry] });
    expect(listed.out).toMatch(/^tiny-registry\s+\S+ \S+\s+downloaded\s/m);
  });
});

function walk(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p, base) : [relative(base, p)];
  });
}
