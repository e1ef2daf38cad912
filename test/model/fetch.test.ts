import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ensureModel, localFiles, modelDir, modelsRoot, VERIFIED_STAMP } from '../../src/model/fetch.ts';
import { modelConfig } from '../../src/model/resolve.ts';
import { CLIP_224 } from '../../src/model/preprocess/config.ts';
import type { RegistryEntry, RegistryFile } from '../../src/model/registry.ts';
import { sha256 } from '../../src/util/hash.ts';
import { UserError } from '../../src/util/errors.ts';

/** Deterministic pseudo-random bytes, so the "weights" are not trivially compressible or equal. */
function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

const REPO = 'test-org/tiny-clip';
const REVISION = '0123456789abcdef0123456789abcdef01234567';
const CONTENT: Record<string, Buffer> = {
  'onnx/vision_model.onnx': bytes(300_000, 1),
  'onnx/text_model.onnx': bytes(200_000, 2),
  'config.json': Buffer.from(JSON.stringify({ projection_dim: 8 })),
  'preprocessor_config.json': Buffer.from(JSON.stringify({ crop_size: 224, do_center_crop: true })),
  'tokenizer.json': Buffer.from(JSON.stringify({ model: { type: 'BPE' } })),
};
const ROLES: Record<string, RegistryFile['role']> = {
  'onnx/vision_model.onnx': 'vision',
  'onnx/text_model.onnx': 'text',
  'config.json': 'config',
  'preprocessor_config.json': 'preprocessor',
  'tokenizer.json': 'tokenizer',
};

function tinyEntry(overrides: Partial<RegistryEntry> = {}, pinned = true): RegistryEntry {
  return {
    name: 'tiny-clip',
    description: 'test export',
    licence: 'test',
    hub: { repo: REPO, revision: pinned ? REVISION : null },
    layout: 'transformers.js',
    variant: 'fp32',
    files: Object.keys(CONTENT).map((path) => ({
      path,
      role: ROLES[path],
      sha256: pinned ? sha256(CONTENT[path]) : null,
      size: pinned ? CONTENT[path].length : null,
    })),
    preprocess: CLIP_224,
    tokenizer: { kind: 'clip-bpe', contextLength: 77, padding: 'eot', lowercase: true },
    textInputs: { names: ['input_ids'], idsDtype: 'int64' },
    embeddingDim: 8,
    logitScale: 100,
    ...overrides,
  };
}

/** A loopback "hub": serves CONTENT at /<repo>/resolve/<revision>/<path>, counting requests. */
interface Hub {
  url: string;
  requests: string[];
  /** Per path: replace the served body (e.g. corrupt bytes) or answer with an HTTP status. */
  override: Map<string, Buffer | number>;
  close(): Promise<void>;
}

async function startHub(): Promise<Hub> {
  const requests: string[] = [];
  const override = new Map<string, Buffer | number>();
  const server: Server = createServer((req, res) => {
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(req.url ?? '');
    const path = m?.[3] ?? '';
    requests.push(`${m?.[2]}:${path}`);
    const o = override.get(path);
    const body = typeof o === 'number' ? undefined : (o ?? (m?.[1] === REPO ? CONTENT[path] : undefined));
    if (typeof o === 'number' || !body) {
      res.writeHead(typeof o === 'number' ? o : 404).end();
      return;
    }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    override,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let hub: Hub;
let root: string;
const quiet = { progress: { silent: true }, log: () => {}, retry: { retries: 1, baseDelayMs: 1 } };
const opts = () => ({ ...quiet, modelsDir: root, env: { CLIP_BENCH_HUB_URL: hub.url } });

beforeAll(async () => {
  hub = await startHub();
});
afterAll(async () => {
  await hub.close();
});
afterEach(() => {
  hub.requests.length = 0;
  hub.override.clear();
  if (root) rmSync(root, { recursive: true, force: true });
});
const freshRoot = () => (root = mkdtempSync(join(tmpdir(), 'clip-models-')));

describe('ensureModel', () => {
  it('downloads every registry file into <root>/<name>/<revision>/ keeping the hub layout, verified', async () => {
    freshRoot();
    const entry = tinyEntry();
    const dir = await ensureModel('tiny-clip', { ...opts(), entry });
    expect(dir).toBe(join(root, 'tiny-clip', REVISION));
    for (const [path, body] of Object.entries(CONTENT)) {
      expect(readFileSync(join(dir, path)).equals(body)).toBe(true);
    }
    expect(hub.requests.sort()).toEqual(Object.keys(CONTENT).map((p) => `${REVISION}:${p}`).sort());
    const stamp = JSON.parse(readFileSync(join(dir, VERIFIED_STAMP), 'utf8'));
    expect(stamp.files['onnx/vision_model.onnx']).toMatchObject({ size: 300_000, sha256: sha256(CONTENT['onnx/vision_model.onnx']), verified: true });
  });

  it('is a no-op the second time: nothing is requested', async () => {
    freshRoot();
    const entry = tinyEntry();
    await ensureModel('tiny-clip', { ...opts(), entry });
    hub.requests.length = 0;
    const dir = await ensureModel('tiny-clip', { ...opts(), entry });
    expect(hub.requests).toEqual([]);
    expect(existsSync(join(dir, 'onnx/text_model.onnx'))).toBe(true);
  });

  it('trusts the verified stamp while size and mtime are unchanged (no re-hash), and recheck re-hashes', async () => {
    freshRoot();
    const entry = tinyEntry();
    const dir = await ensureModel('tiny-clip', { ...opts(), entry });
    const path = join(dir, 'onnx/vision_model.onnx');
    // A whole-second mtime survives utimes() exactly; re-running stamps the file at that time.
    const t = 1_700_000_000;
    utimesSync(path, t, t);
    await ensureModel('tiny-clip', { ...opts(), entry });
    const tampered = Buffer.from(CONTENT['onnx/vision_model.onnx']);
    tampered[10] ^= 0xff;
    writeFileSync(path, tampered);
    utimesSync(path, t, t);
    expect(statSync(path).mtimeMs).toBe(t * 1000);
    hub.requests.length = 0;
    await ensureModel('tiny-clip', { ...opts(), entry });
    expect(hub.requests).toEqual([]); // the stamp was believed: no hashing of an unchanged file

    await ensureModel('tiny-clip', { ...opts(), entry, recheck: true });
    expect(hub.requests).toEqual([`${REVISION}:onnx/vision_model.onnx`]);
    expect(readFileSync(path).equals(CONTENT['onnx/vision_model.onnx'])).toBe(true);
  });

  it('detects a corrupted file (changed since verified) and fetches only that one again', async () => {
    freshRoot();
    const entry = tinyEntry();
    const logs: string[] = [];
    const dir = await ensureModel('tiny-clip', { ...opts(), entry });
    const path = join(dir, 'onnx/text_model.onnx');
    const corrupt = Buffer.from(CONTENT['onnx/text_model.onnx']);
    corrupt[123] ^= 0x01;
    writeFileSync(path, corrupt);
    utimesSync(path, new Date(), new Date(Date.now() + 5_000));
    hub.requests.length = 0;
    await ensureModel('tiny-clip', { ...opts(), entry, log: (l) => logs.push(l) });
    expect(hub.requests).toEqual([`${REVISION}:onnx/text_model.onnx`]);
    expect(readFileSync(path).equals(CONTENT['onnx/text_model.onnx'])).toBe(true);
    expect(logs.join('\n')).toMatch(/onnx\/text_model\.onnx: sha256 [0-9a-f]{64} does not match the pinned/);
  });

  it('resumes after an interrupted run: only the files that are still missing are fetched', async () => {
    freshRoot();
    const entry = tinyEntry();
    hub.override.set('onnx/text_model.onnx', 503);
    await expect(ensureModel('tiny-clip', { ...opts(), entry })).rejects.toThrow(/HTTP 503/);
    const dir = modelDir(entry, { modelsDir: root });
    expect(existsSync(join(dir, 'onnx/text_model.onnx'))).toBe(false);
    const fetchedFirst = hub.requests.filter((r) => !r.endsWith('text_model.onnx'));

    hub.override.clear();
    hub.requests.length = 0;
    await ensureModel('tiny-clip', { ...opts(), entry });
    const expected = Object.keys(CONTENT)
      .filter((p) => !fetchedFirst.includes(`${REVISION}:${p}`))
      .map((p) => `${REVISION}:${p}`);
    expect(hub.requests.sort()).toEqual(expected.sort());
    expect(hub.requests).toContain(`${REVISION}:onnx/text_model.onnx`);
    expect(hub.requests).not.toContain(`${REVISION}:onnx/vision_model.onnx`);
  });

  it('fails a checksum mismatch with a clear error and leaves no file behind', async () => {
    freshRoot();
    const entry = tinyEntry();
    const wrong = bytes(300_000, 99);
    hub.override.set('onnx/vision_model.onnx', wrong);
    const err = await ensureModel('tiny-clip', { ...opts(), entry }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toContain('checksum mismatch');
    expect(err.message).toContain('onnx/vision_model.onnx');
    expect(err.message).toContain(sha256(CONTENT['onnx/vision_model.onnx']));
    expect(err.message).toContain(sha256(wrong));
    const onnxDir = join(modelDir(entry, { modelsDir: root }), 'onnx');
    const left = existsSync(onnxDir) ? readdirSync(onnxDir) : [];
    expect(left.filter((f) => f.startsWith('vision_model'))).toEqual([]);
  });

  it('says what to download and where when the hub is unreachable', async () => {
    freshRoot();
    const dead = await startDeadPort();
    const entry = tinyEntry();
    const err = await ensureModel('tiny-clip', { ...quiet, entry, modelsDir: root, env: { CLIP_BENCH_HUB_URL: dead } }).catch((e) => e);
    const dir = join(root, 'tiny-clip', REVISION);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/^model tiny-clip is not downloaded and the hub is unreachable \(ECONNREFUSED\)/);
    expect(err.message).toContain(`${dead}/${REPO}/resolve/${REVISION}/onnx/vision_model.onnx`);
    expect(err.message).toContain(join(dir, 'onnx/vision_model.onnx'));
    expect(err.message).toContain(`sha256 ${sha256(CONTENT['config.json'])}`);
    expect(err.message).toContain(`into ${dir}, or pass --model <dir> for a local export`);
  });

  it('does not touch the network when CLIP_BENCH_OFFLINE is set, and says so', async () => {
    freshRoot();
    const env = { CLIP_BENCH_HUB_URL: hub.url, CLIP_BENCH_OFFLINE: '1' };
    await expect(ensureModel('tiny-clip', { ...quiet, entry: tinyEntry(), modelsDir: root, env })).rejects.toThrow(
      /^model tiny-clip is not downloaded and the hub is unreachable \(offline mode: CLIP_BENCH_OFFLINE is set\)/,
    );
    expect(hub.requests).toEqual([]);
    const dir = await ensureModel('tiny-clip', { ...quiet, entry: tinyEntry(), modelsDir: root, env, offlineOk: true });
    expect(dir).toBe(join(root, 'tiny-clip', REVISION));
    expect(hub.requests).toEqual([]);
  });

  it('returns the directory as it is when offline and offlineOk is set', async () => {
    freshRoot();
    const dead = await startDeadPort();
    const dir = await ensureModel('tiny-clip', { ...quiet, entry: tinyEntry(), modelsDir: root, offlineOk: true, env: { CLIP_BENCH_HUB_URL: dead } });
    expect(dir).toBe(join(root, 'tiny-clip', REVISION));
  });

  it('configOnly fetches the small JSON files and none of the weights', async () => {
    freshRoot();
    const dir = await ensureModel('tiny-clip', { ...opts(), entry: tinyEntry(), configOnly: true });
    expect(hub.requests.sort()).toEqual(
      ['config.json', 'preprocessor_config.json', 'tokenizer.json'].map((p) => `${REVISION}:${p}`),
    );
    expect(existsSync(join(dir, 'onnx'))).toBe(false);
  });

  it('refuses files without a pinned checksum unless allowUnverified, then fetches them from main', async () => {
    freshRoot();
    const entry = tinyEntry({}, false);
    await expect(ensureModel('tiny-clip', { ...opts(), entry })).rejects.toThrow(
      /no pinned SHA-256 for onnx\/vision_model\.onnx.*\(and no pinned revision\): refusing to use unverified files\. Pass --allow-unverified/,
    );
    expect(hub.requests).toEqual([]);

    const warnings: string[] = [];
    const dir = await ensureModel('tiny-clip', { ...opts(), entry, allowUnverified: true, log: (l) => warnings.push(l) });
    expect(dir).toBe(join(root, 'tiny-clip', 'main'));
    expect(hub.requests.every((r) => r.startsWith('main:'))).toBe(true);
    expect(warnings.some((w) => w.includes('onnx/vision_model.onnx is unverified'))).toBe(true);
    const stamp = JSON.parse(readFileSync(join(dir, VERIFIED_STAMP), 'utf8'));
    expect(stamp.files['onnx/vision_model.onnx']).toMatchObject({ verified: false, sha256: sha256(CONTENT['onnx/vision_model.onnx']) });
  });

  it('rejects an unknown registry name, listing the known ones', async () => {
    await expect(ensureModel('clip-vit-b99', quiet)).rejects.toThrow(/unknown registry model "clip-vit-b99"; known models: clip-vit-b32, clip-vit-b32-int8, clip-vit-b16/);
  });
});

describe('localFiles and modelsRoot', () => {
  it('reports presence by file and size without downloading', async () => {
    freshRoot();
    const entry = tinyEntry();
    await ensureModel('tiny-clip', { ...opts(), entry, configOnly: true });
    const local = await localFiles(entry, { modelsDir: root });
    expect(local.dir).toBe(join(root, 'tiny-clip', REVISION));
    expect(local.files.filter((f) => f.present).map((f) => f.file.path).sort()).toEqual(
      ['config.json', 'preprocessor_config.json', 'tokenizer.json'],
    );
  });

  it('takes the cache root from the flag, then CLIP_BENCH_MODELS, then <project>/.cache/models', () => {
    expect(modelsRoot('/x/flag', { CLIP_BENCH_MODELS: '/x/env' })).toBe('/x/flag');
    expect(modelsRoot(undefined, { CLIP_BENCH_MODELS: '/x/env' })).toBe('/x/env');
    expect(modelsRoot(undefined, {})).toMatch(/[/\\]\.cache[/\\]models$/);
  });
});

describe('modelConfig for a registry model (no weights)', () => {
  it('fetches only the JSON files and points the tokenizer at the export tokenizer.json', async () => {
    freshRoot();
    const entry = tinyEntry();
    const cfg = await modelConfig('tiny-clip', { ...opts(), registry: [entry] });
    const dir = join(root, 'tiny-clip', REVISION);
    expect(cfg.source).toBe('export');
    expect(cfg.preprocess).toEqual(CLIP_224);
    expect(cfg.tokenizer).toEqual({ ...entry.tokenizer, tokenizerJson: join(dir, 'tokenizer.json') });
    expect(hub.requests.some((r) => r.includes('onnx/'))).toBe(false);
  });

  it('falls back to the registry data when the hub is unreachable', async () => {
    freshRoot();
    const dead = await startDeadPort();
    const entry = tinyEntry();
    const cfg = await modelConfig('tiny-clip', { ...quiet, modelsDir: root, registry: [entry], env: { CLIP_BENCH_HUB_URL: dead } });
    expect(cfg.source).toBe('registry');
    expect(cfg.tokenizer).toEqual(entry.tokenizer);
    expect(cfg.preprocess).toEqual(CLIP_224);
  });

  it('uses the registry data for unpinned entries without touching the network', async () => {
    freshRoot();
    const entry = tinyEntry({}, false);
    const cfg = await modelConfig('tiny-clip', { ...opts(), registry: [entry] });
    expect(cfg.source).toBe('registry');
    expect(hub.requests).toEqual([]);
  });
});

/** A URL on which nothing listens (a port just released). */
async function startDeadPort(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}
