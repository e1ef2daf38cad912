import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { downloadFile } from '../../src/util/download.ts';
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
