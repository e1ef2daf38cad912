import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { tempPathFor } from './atomic.ts';
import { UserError } from './errors.ts';
import { createProgress, type Progress, type ProgressOptions } from './progress.ts';
import { backoffDelays, DEFAULT_RETRY, isRetryableStatus, parseRetryAfter, sleep, type RetryPolicy } from './retry.ts';
import { deriveSeed } from './rng.ts';

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
  /** Retries, backoff and the stall timeout (see src/util/retry.ts for the defaults). */
  retry?: Partial<RetryPolicy>;
  /** Extra request headers (e.g. Authorization for a hub token). */
  headers?: Record<string, string>;
  /**
   * Keep a transfer that still fails after the last retry at `<dest>.part` and continue it on the
   * next call with an HTTP Range request (a server that answers 200 instead of 206 restarts it).
   * Checksum and size failures still discard it.
   */
  resume?: boolean;
}

/** Network errors that mean "offline or wrong host" rather than a transient fault. */
const NOT_RETRYABLE_NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND']);

/** One failed attempt: why, whether another try may succeed, and how long the server asked us to wait. */
class AttemptFailed extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** What survives between attempts: the bytes written so far (hashed as written) and the server's validator for If-Range. */
interface PartialFile {
  fh: FileHandle;
  bytes: number;
  sha: Hash;
  md5?: Hash;
  validator?: string;
  progress?: Progress;
}

/**
 * Stream `url` to `dest`: hashed while written, verified, then renamed into place, so `dest`
 * only ever holds a complete, verified file. A dropped connection, a stall (no bytes for
 * `retry.stallTimeoutMs`), a 429/5xx or a network fault other than a refused connection or an
 * unknown host is retried with seeded, jittered exponential
 * backoff (a 429/503's Retry-After honoured), resuming with a Range request where the server
 * supports it. After the last try, or on any other failure, the partial file is removed and a
 * UserError names the URL and what to do.
 */
export async function downloadFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<void> {
  const hint = opts.offlineHint ? ` ${opts.offlineHint}` : '';
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const delays = backoffDelays(policy, deriveSeed(0, url)); // each URL its own reproducible jitter
  const label = opts.label ?? `download ${url.split('/').pop() ?? url}`;
  await mkdir(dirname(dest), { recursive: true });
  const tmp = opts.resume ? `${dest}.part` : tempPathFor(dest);
  const part = await openPartial(tmp, opts);
  let keepPart = false;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await attemptDownload(url, part, policy, opts, label);
        break;
      } catch (e) {
        if (!(e instanceof AttemptFailed)) throw e;
        const tries = `${attempt + 1} ${attempt === 0 ? 'attempt' : 'attempts'}`;
        if (!e.retryable) throw new UserError(`cannot download ${url}: ${e.message}.${hint}`);
        if (e.retryAfterMs !== undefined && e.retryAfterMs > policy.maxRetryAfterMs) {
          throw new UserError(`cannot download ${url}: ${e.message}; the server asks to wait ${Math.ceil(e.retryAfterMs / 1000)} s (Retry-After): run the command again later.${hint}`);
        }
        if (attempt >= policy.retries) {
          keepPart = opts.resume === true && part.bytes > 0;
          const again = keepPart ? ` ${part.bytes} bytes are kept in ${tmp}: run the same command again to resume.` : '';
          throw new UserError(`cannot download ${url} after ${tries}: ${e.message}; check the network (or proxy) and run the command again.${again}${hint}`);
        }
        const wait = Math.max(delays[attempt]!, e.retryAfterMs ?? 0);
        if (!opts.progress?.silent) {
          const resume = part.bytes > 0 ? `, resuming at byte ${part.bytes}` : '';
          (opts.progress?.stream ?? process.stderr).write(`${label}: ${e.message}; retry ${attempt + 1}/${policy.retries} in ${(wait / 1000).toFixed(1)} s${resume}\n`);
        }
        await sleep(wait);
      }
    }
    await part.fh.sync();
    await part.fh.close();
    part.progress?.done();
    if (opts.size !== undefined && part.bytes !== opts.size) {
      throw new UserError(`size mismatch for ${url}: expected ${opts.size} bytes, got ${part.bytes}; the download was discarded.${hint}`);
    }
    checkDigest(url, 'sha256', opts.sha256, part.sha.digest('hex'), hint);
    if (part.md5) checkDigest(url, 'md5', opts.md5, part.md5.digest('hex'), hint);
    await rename(tmp, dest);
  } catch (e) {
    part.progress?.done();
    await part.fh.close().catch(() => undefined);
    if (!keepPart) await rm(tmp, { force: true });
    throw e;
  }
}

/** One request: from byte 0, or from `part.bytes` with Range (+ If-Range) when earlier attempts left bytes. */
async function attemptDownload(url: string, part: PartialFile, policy: RetryPolicy, opts: DownloadOptions, label: string): Promise<void> {
  const fetchImpl = opts.fetchImpl ?? globalThis.fetch;
  const controller = new AbortController();
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      controller.abort();
    }, policy.stallTimeoutMs);
  };
  const stallSeconds = `${policy.stallTimeoutMs / 1000} s`;
  arm();
  try {
    const headers: Record<string, string> = { ...opts.headers };
    if (part.bytes > 0) {
      headers.range = `bytes=${part.bytes}-`;
      if (part.validator) headers['if-range'] = part.validator;
    }
    let res: Response;
    try {
      res = await fetchImpl(url, { redirect: 'follow', headers, signal: controller.signal });
    } catch (e) {
      if (stalled) throw new AttemptFailed(`no response in ${stallSeconds}`, true);
      const reason = networkReason(e);
      // Refused or unknown host: offline or a wrong URL, which waiting does not fix (callers print offline advice).
      throw new AttemptFailed(`${reason} (offline or host unreachable?)`, !NOT_RETRYABLE_NETWORK.has(reason));
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      const status = `HTTP ${res.status} ${res.statusText}`.trim();
      if (res.status === 416 && part.bytes > 0) {
        await restart(part);
        throw new AttemptFailed(`${status} for the resume range`, true);
      }
      const retryAfter = res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers.get('retry-after')) : undefined;
      throw new AttemptFailed(status, isRetryableStatus(res.status), retryAfter);
    }
    // A server that ignores Range (200) or resumes elsewhere sends the whole file: start over.
    if (part.bytes > 0 && !(res.status === 206 && rangeStart(res) === part.bytes)) await restart(part);
    const etag = res.headers.get('etag');
    part.validator = etag && !etag.startsWith('W/') ? etag : (res.headers.get('last-modified') ?? undefined);
    if (!part.progress) {
      const length = Number(res.headers.get('content-length'));
      const total = opts.size ?? (Number.isFinite(length) && length > 0 ? length : 0);
      part.progress = createProgress(label, total, { unit: 'B', ...opts.progress });
    }
    const reader = res.body.getReader();
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw new AttemptFailed(stalled ? `stalled: no data for ${stallSeconds} after ${part.bytes} bytes` : `interrupted after ${part.bytes} bytes: ${networkReason(e)}`, true);
      }
      if (chunk.done) break;
      arm();
      const buf = chunk.value;
      await part.fh.write(buf, 0, buf.length, part.bytes);
      part.sha.update(buf);
      part.md5?.update(buf);
      part.bytes += buf.length;
      part.progress.tick(buf.length);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** A fresh temp file, or with `resume` the `.part` an earlier call kept, its bytes hashed again. */
async function openPartial(tmp: string, opts: DownloadOptions): Promise<PartialFile> {
  const have = opts.resume ? ((await stat(tmp).catch(() => undefined))?.size ?? 0) : 0;
  const part: PartialFile = { fh: await open(tmp, have > 0 ? 'r+' : 'w'), bytes: 0, sha: createHash('sha256'), md5: opts.md5 ? createHash('md5') : undefined };
  if (have > 0) {
    for await (const chunk of createReadStream(tmp, { end: have - 1 })) {
      part.sha.update(chunk as Buffer);
      part.md5?.update(chunk as Buffer);
    }
    part.bytes = have;
  }
  return part;
}

/** Drop what earlier attempts wrote. */
async function restart(part: PartialFile): Promise<void> {
  await part.fh.truncate(0);
  part.bytes = 0;
  part.sha = createHash('sha256');
  if (part.md5) part.md5 = createHash('md5');
  part.validator = undefined;
}

/** The first byte of a 206 response (Content-Range: bytes START-END/TOTAL). */
function rangeStart(res: Response): number | undefined {
  const m = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
  return m ? Number(m[1]) : undefined;
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
