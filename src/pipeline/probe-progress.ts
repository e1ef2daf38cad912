import type { ProbeFitProgress, ProbeSeedEvaluation, Shots } from '../evaluation/linear-probe.ts';
import { formatDuration, isCI } from '../util/progress.ts';

export interface ProbeProgressTask {
  shots: Shots;
  seed: number;
  /** Upper bound on this task's fits (see maxFitsPerSeed), the unit of the ETA. */
  maxFits: number;
}

export interface ProbeProgressOptions {
  stream?: { write(s: string): unknown; isTTY?: boolean };
  interactive?: boolean;
  silent?: boolean;
  now?: () => number;
}

const REDRAW_MS = 250;
const QUIET_EVERY_MS = 30_000;

/**
 * Progress of a probe grid: per fit (shots, seed, C, iteration) and an ETA counted in fits. On a
 * terminal one line is redrawn; piped or in CI a line per finished seed plus a status line every 30 s.
 */
export function createProbeProgress(label: string, tasks: ProbeProgressTask[], options: ProbeProgressOptions = {}) {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  const interactive = options.interactive ?? (Boolean(stream.isTTY) && !isCI());
  const totalUnits = tasks.reduce((a, t) => a + t.maxFits, 0);
  const credited = new Float64Array(tasks.length);
  const start = now();
  let finished = 0;
  let lastDraw = -Infinity;
  let lastLine = start;

  const eta = (): string => {
    if (finished === tasks.length) return '';
    const done = credited.reduce((a, b) => a + b, 0);
    if (done <= 0) return '';
    const secs = ((now() - start) / 1000) * ((totalUnits - done) / done);
    return ` ETA ${formatDuration(secs)}`;
  };
  const fmtC = (C: number) => (C >= 1e-2 && C < 1e4 ? String(Number(C.toPrecision(3))) : C.toExponential(2));
  const where = (i: number, p: ProbeFitProgress) =>
    p.phase === 'methods'
      ? `${tasks[i].shots}-shot seed ${tasks[i].seed}: ${Number.isNaN(p.C) ? '' : `probe done (C=${fmtC(p.C)}); `}fitting ${p.method}`
      : `${tasks[i].shots}-shot seed ${tasks[i].seed}: ${p.phase === 'refit' ? 'refit' : `fit ${p.fit + 1}`} C=${fmtC(p.C)} iter ${p.iteration}`;
  const status = (detail: string) => `${label}: ${finished}/${tasks.length} seeds done; ${detail}${eta()}`;

  if (!options.silent && !interactive) stream.write(`${label}: ${tasks.length} probe seeds to fit (at most ${totalUnits} fits)\n`);

  return {
    update(i: number, p: ProbeFitProgress) {
      credited[i] = Math.max(credited[i], Math.min(p.fit, tasks[i].maxFits - 1));
      if (options.silent) return;
      const t = now();
      if (interactive && t - lastDraw >= REDRAW_MS) {
        lastDraw = t;
        stream.write(`\r\x1b[2K${status(where(i, p))}`);
      } else if (!interactive && t - lastLine >= QUIET_EVERY_MS) {
        lastLine = t;
        stream.write(`${status(where(i, p))}\n`);
      }
    },
    done(i: number, r: ProbeSeedEvaluation) {
      credited[i] = tasks[i].maxFits;
      finished++;
      if (options.silent) return;
      lastLine = now();
      const line = status(`${tasks[i].shots}-shot seed ${tasks[i].seed}: C=${fmtC(r.C)}, top-1 ${(100 * r.metrics.top1).toFixed(1)}% in ${r.seconds.toFixed(1)} s`);
      stream.write(interactive ? `\r\x1b[2K${line}${finished === tasks.length ? '\n' : ''}` : `${line}\n`);
    },
  };
}
