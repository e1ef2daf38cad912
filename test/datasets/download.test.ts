import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { downloadFile } from '../../src/util/download.ts';
import { backoffDelays, parseRetryAfter } from '../../src/util/retry.ts';
import { UserError } from '../../src/util/errors.ts';
import { serve, sha256, tempDir } from './fixtures.ts';

const body = Buffer.from('pinned bytes '.repeat(1000));
const quiet = { silent: true };
let dir: Awaited<ReturnType<typeof tempDir>>;
let srv: Awaited<ReturnType<typeof serve>>;

beforeAll(async () => {
  dir = await tempDir();
  srv = await serve({ '/a.bin': body });
});
afterAll(async () => {
  await srv.close();
  await dir.cleanup();
});

describe('downloadFile', () => {
  it('streams the file into place when SHA-256 and size match', async () => {
    const dest = join(dir.path, 'ok', 'a.bin');
    await downloadFile(srv.url('/a.bin'), dest, { sha256: sha256(body), size: body.length, progress: quiet });
    expect((await readFile(dest)).equals(body)).toBe(true);
  });

  it('rejects a checksum mismatch naming URL, expected and actual hash, and leaves no file', async () => {
    const dest = join(dir.path, 'bad', 'a.bin');
    const wrong = '0'.repeat(64);
    const err = await downloadFile(srv.url('/a.bin'), dest, { sha256: wrong, progress: quiet }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toContain(srv.url('/a.bin'));
    expect(err.message).toContain(wrong);
    expect(err.message).toContain(sha256(body));
    expect(await readdir(join(dir.path, 'bad'))).toEqual([]);
  });

  it('rejects a size mismatch', async () => {
    const err = await downloadFile(srv.url('/a.bin'), join(dir.path, 'size', 'a.bin'), { size: 5, progress: quiet }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/expected 5 bytes, got 13000/);
  });

  it('turns HTTP 404 into a UserError with the status and the hint', async () => {
    const err = await downloadFile(srv.url('/missing.tgz'), join(dir.path, 'x'), { offlineHint: 'Put it at X.', progress: quiet }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/HTTP 404/);
    expect(err.message).toContain('Put it at X.');
  });

  it('says offline when the connection is refused', async () => {
    // A port that was just free: nothing listens there now.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((r) => probe.close(() => r()));
    // Not retried: a refused connection means offline or a wrong host, which waiting does not fix.
    const err = await downloadFile(`http://127.0.0.1:${port}/a.bin`, join(dir.path, 'y'), { progress: quiet }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/ECONNREFUSED.*offline/);
  });

  it('verifies MD5 for sources that publish only MD5', async () => {
    const { createHash } = await import('node:crypto');
    const md5 = createHash('md5').update(body).digest('hex');
    await downloadFile(srv.url('/a.bin'), join(dir.path, 'md5', 'a.bin'), { md5, progress: quiet });
    const err = await downloadFile(srv.url('/a.bin'), join(dir.path, 'md5', 'b.bin'), { md5: 'f'.repeat(32), progress: quiet }).catch((e) => e);
    expect(err.message).toMatch(/expected md5 f{32}/);
  });
});

/** A loopback server whose n-th request (0-based) is answered by `script[n]` (the last one repeats). */
async function scripted(script: ((req: IncomingMessage, res: ServerResponse) => void)[]) {
  const requests: IncomingMessage[] = [];
  const server = createHttpServer((req, res) => {
    requests.push(req);
    script[Math.min(requests.length - 1, script.length - 1)]!(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/f.bin`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const whole = (res: ServerResponse, headers: Record<string, string> = {}) =>
  res.writeHead(200, { 'content-length': String(body.length), ...headers }).end(body);
/** Half the body, then silence (the connection stays open). */
const stallHalfway = (res: ServerResponse, headers: Record<string, string> = {}) => {
  res.writeHead(200, { 'content-length': String(body.length), ...headers });
  res.write(body.subarray(0, body.length / 2));
};
/** Honour `Range: bytes=N-` with a 206. */
const ranged = (req: IncomingMessage, res: ServerResponse) => {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (!m) return whole(res, { etag: '"v1"' });
  const from = Number(m[1]);
  res.writeHead(206, { 'content-length': String(body.length - from), 'content-range': `bytes ${from}-${body.length - 1}/${body.length}`, etag: '"v1"' });
  res.end(body.subarray(from));
};
const fast = { retries: 3, baseDelayMs: 5, stallTimeoutMs: 300 };

describe('downloadFile on an unreliable network', () => {
  it('retries failures (503, a dropped connection) and then succeeds', async () => {
    const srv = await scripted([(_q, res) => res.writeHead(503).end(), (_q, res) => res.destroy(), (_q, res) => whole(res)]);
    try {
      const dest = join(dir.path, 'retry', 'f.bin');
      await downloadFile(srv.url, dest, { sha256: sha256(body), progress: quiet, retry: fast });
      expect((await readFile(dest)).equals(body)).toBe(true);
      expect(srv.requests).toHaveLength(3);
    } finally {
      await srv.close();
    }
  });

  it('with resume, keeps the bytes of a transfer that failed every retry and continues them on the next call', async () => {
    const srv = await scripted([(_q, res) => stallHalfway(res), ranged]);
    try {
      const dest = join(dir.path, 'resume-next', 'f.bin');
      const err = await downloadFile(srv.url, dest, { sha256: sha256(body), progress: quiet, resume: true, retry: { ...fast, retries: 0 } }).catch((e) => e);
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toContain(`${body.length / 2} bytes are kept in ${dest}.part: run the same command again to resume`);
      expect((await readFile(`${dest}.part`)).length).toBe(body.length / 2);
      await downloadFile(srv.url, dest, { sha256: sha256(body), progress: quiet, resume: true, retry: fast });
      expect((await readFile(dest)).equals(body)).toBe(true);
      expect(srv.requests[1]!.headers.range).toBe(`bytes=${body.length / 2}-`);
      expect(await readdir(join(dir.path, 'resume-next'))).toEqual(['f.bin']);
    } finally {
      await srv.close();
    }
  });

  it('aborts a stalled body and resumes it with a Range request', async () => {
    const srv = await scripted([(_q, res) => stallHalfway(res, { etag: '"v1"' }), ranged]);
    try {
      const dest = join(dir.path, 'resume', 'f.bin');
      const t0 = performance.now();
      await downloadFile(srv.url, dest, { sha256: sha256(body), size: body.length, progress: quiet, retry: fast });
      expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
      expect((await readFile(dest)).equals(body)).toBe(true);
      expect(srv.requests).toHaveLength(2);
      expect(srv.requests[1]!.headers.range).toBe(`bytes=${body.length / 2}-`);
      expect(srv.requests[1]!.headers['if-range']).toBe('"v1"');
    } finally {
      await srv.close();
    }
  });

  it('starts over when the server ignores the Range and sends the whole file', async () => {
    const srv = await scripted([(_q, res) => stallHalfway(res), (_q, res) => whole(res)]);
    try {
      const dest = join(dir.path, 'restart', 'f.bin');
      await downloadFile(srv.url, dest, { sha256: sha256(body), size: body.length, progress: quiet, retry: fast });
      expect((await readFile(dest)).equals(body)).toBe(true);
      expect(srv.requests[1]!.headers.range).toBe(`bytes=${body.length / 2}-`);
    } finally {
      await srv.close();
    }
  });

  it('waits as long as a 429 Retry-After asks', async () => {
    const srv = await scripted([(_q, res) => res.writeHead(429, { 'retry-after': '1' }).end(), (_q, res) => whole(res)]);
    try {
      const dest = join(dir.path, '429', 'f.bin');
      const t0 = performance.now();
      await downloadFile(srv.url, dest, { sha256: sha256(body), progress: quiet, retry: fast });
      expect(performance.now() - t0).toBeGreaterThanOrEqual(990);
      expect((await readFile(dest)).equals(body)).toBe(true);
    } finally {
      await srv.close();
    }
  });

  it('fails at once when Retry-After is longer than it will wait, saying so', async () => {
    const srv = await scripted([(_q, res) => res.writeHead(503, { 'retry-after': '3600' }).end()]);
    try {
      const err = await downloadFile(srv.url, join(dir.path, 'later', 'f.bin'), { progress: quiet, retry: fast }).catch((e) => e);
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toMatch(/HTTP 503.*wait 3600 s \(Retry-After\).*later/);
      expect(srv.requests).toHaveLength(1);
    } finally {
      await srv.close();
    }
  });

  it('after the last retry: one error naming the URL, the tries and what to do, and no partial file', async () => {
    const srv = await scripted([(_q, res) => stallHalfway(res), (_q, res) => res.writeHead(500, 'Internal Server Error').end()]);
    const lines: string[] = [];
    try {
      const err = await downloadFile(srv.url, join(dir.path, 'giveup', 'f.bin'), {
        progress: { stream: { write: (s: string) => lines.push(s) }, interactive: false },
        retry: { ...fast, retries: 2 },
      }).catch((e) => e);
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toBe(`cannot download ${srv.url} after 3 attempts: HTTP 500 Internal Server Error; check the network (or proxy) and run the command again.`);
      expect(srv.requests).toHaveLength(3);
      expect(lines.filter((l) => /retry \d\/2 in/.test(l))).toHaveLength(2);
      expect(lines.join('')).toContain('stalled: no data for 0.3 s after 6500 bytes; retry 1/2');
      expect(await readdir(join(dir.path, 'giveup'))).toEqual([]);
    } finally {
      await srv.close();
    }
  });

  it('does not retry a 404', async () => {
    const srv = await scripted([(_q, res) => res.writeHead(404, 'Not Found').end()]);
    try {
      const err = await downloadFile(srv.url, join(dir.path, 'nf', 'f.bin'), { progress: quiet, retry: fast }).catch((e) => e);
      expect(err.message).toBe(`cannot download ${srv.url}: HTTP 404 Not Found.`);
      expect(srv.requests).toHaveLength(1);
    } finally {
      await srv.close();
    }
  });
});

describe('retry policy', () => {
  it('backoff doubles from the base up to the cap, jittered within [step/2, step], the same for the same seed', () => {
    const policy = { retries: 6, baseDelayMs: 100, maxDelayMs: 1000 };
    const d = backoffDelays(policy, 42);
    const steps = [100, 200, 400, 800, 1000, 1000];
    d.forEach((ms, k) => {
      expect(ms).toBeGreaterThanOrEqual(steps[k]! / 2);
      expect(ms).toBeLessThanOrEqual(steps[k]!);
    });
    expect(backoffDelays(policy, 42)).toEqual(d);
    expect(backoffDelays(policy, 43)).not.toEqual(d);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('Mon, 07 Dec 2026 10:00:00 GMT');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Mon, 07 Dec 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
