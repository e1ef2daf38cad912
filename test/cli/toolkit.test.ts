import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../src/util/errors.ts';
import { PROJECT_ROOT } from '../../src/util/paths.ts';
import { checkFailed, defineCommand, defineGroup, EXIT, formatTable, intFlag, parseFlags, plural, runCli, singleCommandMain } from '../../src/cli/toolkit.ts';
import { captureIo, runMain } from './capture.ts';

const FLAGS = {
  count: { type: 'string', short: 'n', value: '<n>', help: 'how many' },
  verbose: { type: 'boolean', help: 'say more' },
} as const;

describe('parseFlags', () => {
  it('refuses an unknown flag with one line that points at the help', () => {
    expect(() => parseFlags(['--cuont', '3'], FLAGS, 'prog --help')).toThrow(new UserError("Unknown option '--cuont' (see: prog --help)"));
  });

  it('refuses a string flag given without a value', () => {
    expect(() => parseFlags(['--count'], FLAGS, 'prog --help')).toThrow(/^Option '-n, --count <value>' argument missing \(see: prog --help\)$/);
  });

  it('takes a negative number as the value of a string flag, so the flag can say what is wrong with it', () => {
    expect(parseFlags(['--count', '-1'], FLAGS, 'p').values.count).toBe('-1');
    expect(parseFlags(['-n', '-2.5'], FLAGS, 'p').values.count).toBe('-2.5');
  });

  it('still reads a dash word after a boolean flag as a flag', () => {
    expect(() => parseFlags(['--verbose', '-1'], FLAGS, 'p')).toThrow(/Unknown option '-1'/);
  });
});

describe('intFlag', () => {
  it.each([
    ['-1', 1, '--seeds must be an integer ≥ 1, got -1'],
    ['2.5', 1, '--seeds must be an integer ≥ 1, got 2.5'],
    ['x', 0, '--seeds must be an integer ≥ 0, got "x"'],
    ['', 1, '--seeds must be an integer ≥ 1, got ""'],
  ])('%j (min %d) is refused: %s', (value, min, message) => {
    expect(() => intFlag(value, '--seeds', 3, min)).toThrow(new UserError(message));
  });

  it('returns the fallback when absent and the number when valid', () => {
    expect(intFlag(undefined, '--seeds', 3)).toBe(3);
    expect(intFlag('0', '--seed', 3, 0)).toBe(0);
    expect(() => intFlag('5000', '--seeds', 3, 1, 1000)).toThrow(/absurdly large/);
  });
});

describe('runCli exit codes', () => {
  it('0 when the body returns nothing', async () => {
    expect(await runCli(async () => {}, captureIo())).toBe(EXIT.ok);
  });

  it('2 and one error line for a UserError', async () => {
    const io = captureIo();
    expect(await runCli(async () => { throw new UserError('--x is wrong'); }, io)).toBe(2);
    expect(io.text()).toEqual({ out: '', err: 'error: --x is wrong\n' });
  });

  it('1 and one error line for a failed check', async () => {
    const io = captureIo();
    expect(await runCli(async () => { throw checkFailed('gate: top-1 below 50%'); }, io)).toBe(1);
    expect(io.text().err).toBe('error: gate: top-1 below 50%\n');
  });

  it('70 with the stack for anything else (a bug)', async () => {
    const io = captureIo();
    expect(await runCli(async () => { throw new TypeError('x is undefined'); }, io)).toBe(70);
    expect(io.text().err).toMatch(/^TypeError: x is undefined\n\s+at /);
    expect(io.text().err).toMatch(/this is a bug in clip-bench: exit 70/);
  });
});

const greet = defineCommand({
  name: 'greet',
  summary: 'say hello',
  usage: '<name> [options]',
  description: 'Greets someone.',
  flags: FLAGS,
  examples: ['tool greet Ada --count 2'],
  async run({ values, positionals, io }) {
    const n = intFlag(values.count, '--count', 1);
    io.stdout.write(`${`hello ${positionals[0]}\n`.repeat(n)}`);
  },
});
const tool = defineGroup({ prog: 'tool', description: 'A tool.', commands: [greet], examples: ['tool greet Ada'] });

describe('commands and groups', () => {
  it('a command help has Usage, description, options (with -h) and examples', async () => {
    const r = await runMain(tool.main, ['greet', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        'Usage: tool greet <name> [options]',
        '',
        'Greets someone.',
        '',
        'Options:',
        '  -n, --count <n>  how many',
        '  --verbose        say more',
        '  -h, --help       this help',
        '',
        'Examples:',
        '  tool greet Ada --count 2',
        '',
      ].join('\n'),
    );
  });

  it('--help wins over flags that would not parse', async () => {
    const r = await runMain(tool.main, ['greet', '--bogus', '-h']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: tool greet/);
  });

  it('runs the command with its parsed flags', async () => {
    expect(await runMain(tool.main, ['greet', 'Ada', '-n', '2'])).toEqual({ code: 0, out: 'hello Ada\nhello Ada\n', err: '' });
  });

  it('a bad value is exit 2 naming the flag', async () => {
    expect(await runMain(tool.main, ['greet', 'Ada', '--count', '-1'])).toEqual({ code: 2, out: '', err: 'error: --count must be an integer ≥ 1, got -1\n' });
  });

  it('no command prints the group help on stderr with exit 2', async () => {
    const r = await runMain(tool.main, []);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^Usage: tool <command> \[options\]\n[\s\S]*Commands:\n {2}greet <name> +say hello\n/);
  });

  it('a flag before the command asks for the command first', async () => {
    expect((await runMain(tool.main, ['--count', '2', 'greet'])).err).toBe('error: put the command first, before --count; commands: greet (see: tool --help)\n');
  });

  it('a single-command program takes its flags directly', async () => {
    const main = singleCommandMain('greeter', greet);
    expect((await runMain(main, ['--help'])).out).toMatch(/^Usage: greeter <name> \[options\]\n/);
    expect(await runMain(main, ['Bo'])).toEqual({ code: 0, out: 'hello Bo\n', err: '' });
  });
});

describe('the README exit-code table', () => {
  it('lists exactly the codes runCli returns', () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('| exit code | meaning |');
    const table = readme.slice(start, readme.indexOf('\n\n', start));
    const codes = [...table.matchAll(/^\| (\d+) \| (\S+)/gm)].map((m) => Number(m[1]));
    expect(codes).toEqual(Object.values(EXIT));
  });
});

describe('output helpers', () => {
  it('formatTable pads columns and underlines the header', () => {
    expect(formatTable(['a', 'bb'], [['ccc', 'd']])).toBe('a    bb\n---  --\nccc  d\n');
  });

  it('plural agrees with the count', () => {
    expect([plural(1, 'template'), plural(18, 'template'), plural(0, 'seed'), plural(1, 'image(s)', 'images')]).toEqual(['1 template', '18 templates', '0 seeds', '1 image(s)']);
  });
});
