import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { tempPathFor } from './atomic.ts';
import { UserError } from './errors.ts';
import { createProgress, type ProgressOptions } from './progress.ts';

export interface DownloadOptions {
  /** Expected SHA-256 (hex). The file is only moved into place when it matches. */
  sha256?: string;
  /** Expected MD5 (hex), for sources whose authors publish only MD5 (CIFAR-10, Fashion-MNIST). */
  md5?: string;
  /** Expected size in bytes; also the progress total when the server sends no length. */
  size?: number;
  /** Progress label; default the URL's last path segment. */
  label?: string;
  /** Appended to network errors, e.g. "or place the file at …". */
  offlineHint?: string;
  /** Injected fetch (tests, proxies); default globalThis.fetch. */
  fetchImpl?: typeof fetch;
  progress?: ProgressOptions;
  /** Extra request headers (e.g. Authorization for a hub token). */
  headers?: Record<string, string>;
  /**
   * Keep an interrupted download at `<dest>.part` and continue it on the next call with an HTTP
   * Range request (a server that answers 200 instead of 206 restarts it). Checksum and size
   * failures still discard it.
   */
  resume?: boolean;
}

/**
 * Stream `url` to `dest`: hashed while written, verified, then renamed into place, so `dest`
 * only ever holds a complete, verified file. Any failure removes the partial file, except an
 * interrupted transfer with `resume`, which is kept to be continued.
 */
export async function downloadFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<void> {
  const fetchImpl = opts.fetchImpl ?? globalThis.fetch;
  const hint = opts.offlineHint ? ` ${opts.offlineHint}` : '';
  const tmp = opts.resume ? `${dest}.part` : tempPathFor(dest);
  let have = opts.resume ? ((await stat(tmp).catch(() => undefined))?.size ?? 0) : 0;
  let res: Response;
  try {
    res = await fetchImpl(url, { redirect: 'follow', headers: { ...opts.headers, ...(have > 0 ? { Range: `bytes=${have}-` } : {}) } });
    if (res.status === 416) {
      // The part is not a prefix the server recognises (e.g. already complete or from another file): start over.
      await res.body?.cancel();
      have = 0;
      res = await fetchImpl(url, { redirect: 'follow', headers: opts.headers });
    }
  } catch (e) {
    throw new UserError(`cannot download ${url}: ${networkReason(e)} (offline or host unreachable?).${hint}`);
  }
  if (!res.ok || !res.body) {
    throw new UserError(`cannot download ${url}: HTTP ${res.status} ${res.statusText}.${hint}`.replace(' .', '.'));
  }
  if (res.status !== 206) have = 0;

  await mkdir(dirname(dest), { recursive: true });
  const sha = createHash('sha256');
  const md5 = opts.md5 ? createHash('md5') : undefined;
  const lengthHeader = Number(res.headers.get('content-length'));
  const total = opts.size ?? (Number.isFinite(lengthHeader) && lengthHeader > 0 ? have + lengthHeader : 0);
  const label = opts.label ?? `download ${url.split('/').pop() ?? url}`;
  const progress = createProgress(label, total, { unit: 'B', ...opts.progress });
  let bytes = have;
  let interrupted = false;
  try {
    if (have > 0) {
      // Resuming: the digests cover the bytes already on disk too.
      for await (const chunk of createReadStream(tmp, { end: have - 1 })) {
        sha.update(chunk as Buffer);
        md5?.update(chunk as Buffer);
      }
      progress.tick(have);
    }
    const fh = await open(tmp, have > 0 ? 'a' : 'w');
    try {
      const reader = res.body.getReader();
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (e) {
          interrupted = opts.resume === true;
          const again = interrupted ? ' Run the same command again to resume it.' : '';
          throw new UserError(`download of ${url} was interrupted after ${bytes} bytes: ${networkReason(e)}.${again}${hint}`);
        }
        if (chunk.done) break;
        const buf = chunk.value;
        sha.update(buf);
        md5?.update(buf);
        await fh.write(buf);
        bytes += buf.length;
        progress.tick(buf.length);
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    progress.done();
    if (opts.size !== undefined && bytes !== opts.size) {
      throw new UserError(
        `size mismatch for ${url}: expected ${opts.size} bytes, got ${bytes}; the download was discarded.${hint}`,
      );
    }
    checkDigest(url, 'sha256', opts.sha256, sha.digest('hex'), hint);
    if (md5) checkDigest(url, 'md5', opts.md5, md5.digest('hex'), hint);
    await rename(tmp, dest);
  } catch (e) {
    progress.done();
    if (!interrupted) await rm(tmp, { force: true });
    throw e;
  }
}

function checkDigest(url: string, algo: string, expected: string | undefined, actual: string, hint: string): void {
  if (expected && expected.toLowerCase() !== actual) {
    throw new UserError(
      `checksum mismatch for ${url}: expected ${algo} ${expected.toLowerCase()}, got ${actual}; ` +
        `the download was discarded (corrupt transfer or a changed upstream file).${hint}`,
    );
  }
}

/** fetch() wraps socket errors as TypeError('fetch failed') with the real code in `cause`. */
function networkReason(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return e instanceof Error ? e.message : String(e);
}
