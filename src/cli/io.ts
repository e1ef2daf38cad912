/** Where a command writes: injected so tests (and library callers) run commands in-process. */
export interface OutStream {
  write(s: string): unknown;
  isTTY?: boolean;
}

export interface Io {
  stdout: OutStream;
  stderr: OutStream;
  /** Aborted when the user asks the run to stop (SIGINT/SIGTERM in a real process). */
  signal?: AbortSignal;
}

/** Grace after a stop request before the process exits anyway (sealed cache chunks are safe; the open one is redone). */
const STOP_GRACE_MS = 5_000;

export const processIo = (): Io => ({ stdout: process.stdout, stderr: process.stderr });

/**
 * For a CLI entry point only: the first SIGINT/SIGTERM aborts the returned signal (long steps stop at
 * once and say so), and the process exits 130 if the command has not ended within the grace time; a
 * second signal exits at once.
 */
export function stopSignalFromProcess(): AbortSignal {
  const controller = new AbortController();
  const stop = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`\n${sig}: stopping (again to stop at once)\n`);
    controller.abort();
    setTimeout(() => process.exit(130), STOP_GRACE_MS).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return controller.signal;
}

/** `--json` output for scripts: one JSON document on stdout, nothing else there. */
export function writeJson(io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export { plural } from '../util/plural.ts';
