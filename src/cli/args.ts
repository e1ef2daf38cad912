/** Shared CLI plumbing: strict flag parsing with one-line errors, and the UserError → exit 2 wrapper. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isUserError, UserError } from '../util/errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs in strict mode; its errors (unknown flag, missing value) become a UserError
 * that names the flag and points at --help.
 */
export function parseFlags<O extends Options>(argv: string[], options: O, command: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0].replace(/\. To specify a positional argument.*$/, '');
    throw new UserError(`${msg} (see: ${command} --help)`);
  }
}

/** Parse a positive integer flag value or fail naming the flag. */
export function intFlag(value: string | undefined, flag: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UserError(`${flag} must be an integer ≥ ${min}, got "${value}"`);
  return n;
}

/** Run a CLI main: expected failures print `error: …` on stderr and exit 2 (no stack); others crash loudly. */
export function runCli(main: () => Promise<number | void>): void {
  main().then(
    (code) => {
      process.exitCode = code ?? 0;
    },
    (e: unknown) => {
      if (isUserError(e)) {
        process.stderr.write(`error: ${e.message}\n`);
        process.exitCode = e.exitCode;
      } else {
        process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
        process.exitCode = 1;
      }
    },
  );
}
