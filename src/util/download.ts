import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
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
}

/**
 * Stream `url` to `dest`: hashed while written, verified, then renamed into place, so `dest`
 * only ever holds a complete, verified file. Any failure removes the partial file.
 */
export async function downloadFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<void> {
  const fetchImpl = opts.fetchImpl ?? globalThis.fetch;
  const hint = opts.offlineHint ? ` ${opts.offlineHint}` : '';
  let res: Response;
  try {
    res = await fetchImpl(url, { redirect: 'follow' });
  } catch (e) {
    throw new UserError(`cannot download ${url}: ${networkReason(e)} (offline or host unreachable?).${hint}`);
  }
  if (!res.ok || !res.body) {
    throw new UserError(`cannot download ${url}: HTTP ${res.status} ${res.statusText}.${hint}`.replace(' .', '.'));
  }

  await mkdir(dirname(dest), { recursive: true });
  const tmp = tempPathFor(dest);
  const sha = createHash('sha256');
  const md5 = opts.md5 ? createHash('md5') : undefined;
  const lengthHeader = Number(res.headers.get('content-length'));
  const total = opts.size ?? (Number.isFinite(lengthHeader) && lengthHeader > 0 ? lengthHeader : 0);
  const label = opts.label ?? `download ${url.split('/').pop() ?? url}`;
  const progress = createProgress(label, total, { unit: 'B', ...opts.progress });
  let bytes = 0;
  try {
    const fh = await open(tmp, 'w');
    try {
      const reader = res.body.getReader();
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (e) {
          throw new UserError(`download of ${url} was interrupted after ${bytes} bytes: ${networkReason(e)}.${hint}`);
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
    await rm(tmp, { force: true });
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
