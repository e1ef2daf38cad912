/**
 * SIGINT/SIGTERM as a stop request. The first signal aborts `signal`: the steps that watch it (probe
 * fitting) stop at once and the command exits 130 with one line. Steps that do not watch it get a
 * short grace period, then the process exits 130 anyway: feature-cache chunks are sealed atomically,
 * so what was extracted stays cached and a rerun resumes. A second signal exits at once.
 */
import { EXIT, type Io } from './toolkit.ts';

const GRACE_MS = 5_000;

export interface StopOnSignals {
  signal: AbortSignal;
  /** Remove the handlers (the run finished or failed on its own). */
  dispose(): void;
}

export function stopOnSignals(io: Io, opts: { exit?: (code: number) => void; graceMs?: number; target?: NodeJS.EventEmitter } = {}): StopOnSignals {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const target = opts.target ?? process;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onSignal = (name: string) => {
    if (controller.signal.aborted) {
      io.stderr.write(`${name} again: exiting now\n`);
      exit(EXIT.interrupted);
      return;
    }
    io.stderr.write(`${name}: stopping (features already extracted stay cached; ${name} again exits at once)\n`);
    controller.abort(new Error(name));
    timer = setTimeout(() => exit(EXIT.interrupted), opts.graceMs ?? GRACE_MS);
    timer.unref();
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  target.on('SIGINT', onInt);
  target.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    dispose() {
      if (timer) clearTimeout(timer);
      target.off('SIGINT', onInt);
      target.off('SIGTERM', onTerm);
    },
  };
}
