/**
 * Progress for long loops (downloads, conversions, feature extraction).
 * On a terminal: one line redrawn in place (done/total, rate, ETA). Piped or in CI: a few plain
 * lines (start, every ~10% or 30 s, end) so logs stay readable and small.
 */

export interface Progress {
  /** Count `n` more items done (default 1). */
  tick(n?: number): void;
  /** Print the final line. Safe to call more than once. */
  done(): void;
}

export interface ProgressOptions {
  /** Unit shown after counts; 'B' formats counts as bytes (KB/MB/GB). Default 'items'. */
  unit?: string;
  /** Where to write; default process.stderr. */
  stream?: { write(s: string): unknown; isTTY?: boolean };
  /** Force redrawn (true) or line-based (false) output; default: stream is a TTY and CI is unset. */
  interactive?: boolean;
  /** Print nothing at all (tests, library callers that report elsewhere). */
  silent?: boolean;
  /** Clock in ms, for tests. */
  now?: () => number;
}

const REDRAW_MS = 100;
const QUIET_EVERY_MS = 30_000;
// Line mode skips decile lines closer than this, so a sub-second task logs just start and end.
const QUIET_MIN_GAP_MS = 1_000;

/** `total` ≤ 0 or NaN means unknown (shown without percent and ETA). */
export function createProgress(label: string, total: number, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  const unit = options.unit ?? 'items';
  const interactive = options.interactive ?? (Boolean(stream.isTTY) && !isCI());
  const known = Number.isFinite(total) && total > 0;
  const start = now();
  let count = 0;
  let lastDraw = -Infinity;
  let lastLine = start;
  let lastDecile = 0;
  let finished = false;

  const fmt = (n: number) => formatCount(n, unit);
  const status = (): string => {
    const secs = Math.max((now() - start) / 1000, 1e-9);
    const rate = count / secs;
    let s = `${label}: ${fmt(count)}`;
    if (known) s += `/${fmt(total)} (${Math.floor((100 * count) / total)}%)`;
    s += ` ${fmt(rate)}/s`;
    if (known && rate > 0 && count < total) s += ` ETA ${formatDuration((total - count) / rate)}`;
    return s;
  };

  if (!options.silent && !interactive) stream.write(`${label}: started${known ? `, ${fmt(total)}` : ''}\n`);

  return {
    tick(n = 1) {
      if (finished) return;
      count += n;
      if (options.silent) return;
      const t = now();
      if (interactive) {
        if (t - lastDraw >= REDRAW_MS) {
          lastDraw = t;
          stream.write(`\r\x1b[2K${status()}`);
        }
        return;
      }
      const decile = known ? Math.floor((10 * count) / total) : 0;
      if (decile > lastDecile && count < total && t - lastLine >= QUIET_MIN_GAP_MS) {
        lastDecile = decile;
        lastLine = t;
        stream.write(`${status()}\n`);
      } else if (t - lastLine >= QUIET_EVERY_MS) {
        lastLine = t;
        stream.write(`${status()}\n`);
      }
    },
    done() {
      if (finished) return;
      finished = true;
      if (options.silent) return;
      const secs = (now() - start) / 1000;
      const line = `${label}: done, ${fmt(count)} in ${formatDuration(secs)} (${fmt(count / Math.max(secs, 1e-9))}/s)`;
      stream.write(interactive ? `\r\x1b[2K${line}\n` : `${line}\n`);
    },
  };
}

export function isCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

export function formatCount(n: number, unit: string): string {
  if (unit === 'B') {
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (n >= 1000 && i < units.length - 1) {
      n /= 1000;
      i++;
    }
    return `${i === 0 ? Math.round(n) : n.toFixed(1)} ${units[i]}`;
  }
  const s = Number.isInteger(n) ? String(n) : n < 10 ? n.toFixed(1) : String(Math.round(n));
  return `${s} ${unit}`;
}

export function formatDuration(secs: number): string {
  if (!Number.isFinite(secs)) return '?';
  if (secs < 60) return `${secs.toFixed(secs < 10 ? 1 : 0)}s`;
  const m = Math.floor(secs / 60);
  if (m < 60) return `${m}m${String(Math.round(secs % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
