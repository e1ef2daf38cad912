import type { Io } from '../../src/cli/toolkit.ts';

export interface Captured {
  code: number;
  out: string;
  err: string;
}

/** An Io that records what a command writes (not a TTY, as in CI). */
export function captureIo(): Io & { text(): { out: string; err: string } } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => ((out += s), true), isTTY: false },
    stderr: { write: (s: string) => ((err += s), true), isTTY: false },
    text: () => ({ out, err }),
  };
}

/** Run a CLI `main(argv, io)` in-process and return its exit code and output. */
export async function runMain(main: (argv: string[], io: Io) => Promise<number>, argv: string[]): Promise<Captured> {
  const io = captureIo();
  const code = await main(argv, io);
  return { code, ...io.text() };
}
