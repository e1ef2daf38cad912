/**
 * One flag parser for every command: node:util parseArgs in strict mode, driven by a flag table that
 * also renders the help, so a flag cannot be documented without being accepted or the other way round.
 */
import { parseArgs } from 'node:util';
import { UserError } from '../util/errors.ts';

export interface Flag {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Placeholder shown in help after the flag, e.g. '<dir>'. */
  value?: string;
  /** One line, or several separated by '\n' (continuation lines are indented under the first). */
  help: string;
}
export type Flags = Record<string, Flag>;

export type FlagValues<F extends Flags> = {
  [K in keyof F]?: F[K]['type'] extends 'boolean' ? boolean : F[K]['multiple'] extends true ? string[] : string;
};

export const HELP_FLAG = { help: { type: 'boolean', short: 'h', help: 'this help' } } satisfies Flags;
export const JSON_FLAG = { json: { type: 'boolean', help: 'machine-readable output: one JSON document on stdout' } } satisfies Flags;

/**
 * Parse argv against `flags`. parseArgs' own errors (unknown flag, missing value) become one-line
 * UserErrors pointing at `helpRef`. A value that looks like a negative number (`--seeds -1`) is taken
 * as the flag's value, so the flag's own check can say what is wrong with it.
 */
export function parseFlags<F extends Flags>(argv: string[], flags: F, helpRef: string): { values: FlagValues<F>; positionals: string[] } {
  const options = Object.fromEntries(
    Object.entries(flags).map(([name, f]) => [name, { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) }]),
  );
  try {
    const { values, positionals } = parseArgs({ args: joinNegativeValues(argv, flags), options, allowPositionals: true, strict: true });
    return { values: values as FlagValues<F>, positionals };
  } catch (e) {
    if (!String((e as { code?: string }).code).startsWith('ERR_PARSE_ARGS')) throw e;
    // Node appends advice about '--' and '=' that does not apply to `npm run x -- …`; the first sentence is the point.
    const first = (e as Error).message.split('\n')[0].split(/\.\s/)[0].replace(/\.$/, '');
    throw new UserError(`${first} (see: ${helpRef})`);
  }
}

const NEGATIVE_NUMBER = /^-\d/;

function joinNegativeValues(argv: string[], flags: Flags): string[] {
  const takesValue = new Set<string>();
  for (const [name, f] of Object.entries(flags)) {
    if (f.type !== 'string') continue;
    takesValue.add(`--${name}`);
    if (f.short) takesValue.add(`-${f.short}`);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') return [...out, ...argv.slice(i)];
    if (takesValue.has(argv[i]) && i + 1 < argv.length && NEGATIVE_NUMBER.test(argv[i + 1])) {
      // parseArgs reads `--flag=value` and `-fvalue` as a flag with its value, whatever the value looks like.
      out.push(`${argv[i]}${argv[i].startsWith('--') ? '=' : ''}${argv[i + 1]}`);
      i++;
    } else out.push(argv[i]);
  }
  return out;
}

const shown = (v: string) => (/^-?\d+(\.\d+)?$/.test(v) ? v : JSON.stringify(v));

/** An integer flag value in [min, max], or a UserError naming the flag: "--seeds must be an integer ≥ 1, got -1". */
export function intFlag(value: string | undefined, flag: string, fallback: number, min = 1, max = 1e9): number {
  if (value === undefined) return fallback;
  const n = /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min) throw new UserError(`${flag} must be an integer ≥ ${min}, got ${shown(value)}`);
  if (n > max) throw new UserError(`${flag} ${value} is absurdly large (at most ${max})`);
  return n;
}

/** One of a fixed set of words, or a UserError listing them. */
export function choiceFlag<T extends string>(value: string | undefined, flag: string, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) {
    const list = choices.length === 2 ? choices.join(' or ') : `${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}`;
    throw new UserError(`${flag} must be ${list}, got ${shown(value)}`);
  }
  return value as T;
}
