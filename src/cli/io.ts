/** Where a command writes: injected so tests (and library callers) run commands in-process. */
export interface OutStream {
  write(s: string): unknown;
  isTTY?: boolean;
}

export interface Io {
  stdout: OutStream;
  stderr: OutStream;
}

export const processIo = (): Io => ({ stdout: process.stdout, stderr: process.stderr });

/** `--json` output for scripts: one JSON document on stdout, nothing else there. */
export function writeJson(io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** "1 template", "3 templates": counts in CLI output agree with their noun. */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}
