/**
 * One toolkit for every command (bench, datasets, models, …): the same flag parser, help layout,
 * table printer, injected I/O and exit codes, so a user who knows one command knows the others.
 *
 * Exit codes (the README's table):
 *   0   ok
 *   1   a check or gate failed (the command ran and says what did not hold)
 *   2   usage or input error: bad flag, missing file, corrupt data (a UserError; one `error:` line)
 *   70  a bug: anything else; the stack is printed (70 is EX_SOFTWARE in BSD sysexits.h)
 *   130 stopped by SIGINT/SIGTERM (128 + SIGINT, as shells report Ctrl-C); what was cached is kept
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isUserError, UserError } from '../util/errors.ts';
import { HELP_FLAG, parseFlags, type FlagValues, type Flags } from './flags.ts';
import { flagRows, formatHelp } from './help.ts';
import { processIo, stopSignalFromProcess, type Io } from './io.ts';

export { choiceFlag, HELP_FLAG, intFlag, JSON_FLAG, parseFlags, type Flag, type Flags, type FlagValues } from './flags.ts';
export { formatHelp } from './help.ts';
export { plural, processIo, writeJson, type Io, type OutStream } from './io.ts';
export { formatTable } from './table.ts';

export const EXIT = { ok: 0, failed: 1, usage: 2, bug: 70, interrupted: 130 } as const;

/** A check or gate that did not hold: one `error:` line and exit 1 (not a usage error, not a bug). */
export function checkFailed(message: string): UserError {
  return new UserError(message, EXIT.failed);
}

/** Run a command body: its return value is the exit code; UserErrors print one line; anything else is a bug. */
export async function runCli(body: () => Promise<number | void>, io: Io): Promise<number> {
  try {
    return (await body()) ?? EXIT.ok;
  } catch (e) {
    if (isUserError(e)) {
      io.stderr.write(`error: ${e.message}\n`);
      return e.exitCode;
    }
    io.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    io.stderr.write(`(this is a bug in clip-bench: exit ${EXIT.bug})\n`);
    return EXIT.bug;
  }
}

export interface CommandSpec<F extends Flags, C extends Io = Io> {
  /** Sub-command name ('fetch'); for a single-command program, its own name ('bench'). */
  name: string;
  /** One line for the group's command list. */
  summary: string;
  /** What follows the program (and command) name in the Usage line, e.g. '<name…> [options]'. */
  usage: string;
  description: string;
  flags: F;
  examples: string[];
  run(args: { values: FlagValues<F>; positionals: string[]; io: C; argv: string[] }): Promise<number | void>;
}

export interface Command<C extends Io = Io> {
  name: string;
  summary: string;
  usage: string;
  flags: Flags;
  /** `prog` is how users invoke this command: 'npm run bench --' or 'npm run datasets -- fetch'. */
  help(prog: string): string;
  /** Parse and run; throws UserError on bad input (wrap in runCli for exit codes). */
  invoke(prog: string, argv: string[], io: C): Promise<number | void>;
}

const wantsHelp = (argv: string[]) => {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
};

export function defineCommand<F extends Flags, C extends Io = Io>(spec: CommandSpec<F, C>): Command<C> {
  const flags = { ...spec.flags, ...HELP_FLAG } as F;
  const help = (prog: string) =>
    formatHelp({
      usage: `${prog} ${spec.usage}`.trimEnd(),
      description: spec.description,
      sections: [{ title: 'Options', rows: flagRows(flags) }],
      examples: spec.examples,
    });
  return {
    name: spec.name,
    summary: spec.summary,
    usage: spec.usage,
    flags,
    help,
    async invoke(prog, argv, io) {
      // --help wins over everything else on the line, even flags that would not parse.
      if (wantsHelp(argv)) {
        io.stdout.write(help(prog));
        return EXIT.ok;
      }
      const { values, positionals } = parseFlags(argv, flags, `${prog} --help`);
      return spec.run({ values, positionals, io, argv });
    },
  };
}

/** A program with one command (bench): `main(argv, io)` returns the exit code. */
export function singleCommandMain<C extends Io = Io>(prog: string, command: Command<C>) {
  return (argv: string[], io: C = processIo() as C): Promise<number> => runCli(() => command.invoke(prog, argv, io), io);
}

export interface GroupSpec<C extends Io> {
  /** How users run it, e.g. 'npm run datasets --'. */
  prog: string;
  description: string;
  commands: Command<C>[];
  examples: string[];
  /** Extra paragraph after the command list. */
  footer?: string;
}

/** A program with sub-commands (datasets, models): `main(argv, io)`; `<cmd> --help` shows that command's help. */
export function defineGroup<C extends Io = Io>(spec: GroupSpec<C>) {
  const names = spec.commands.map((c) => c.name);
  const help = () =>
    formatHelp({
      usage: `${spec.prog} <command> [options]`,
      description: spec.description,
      sections: [{ title: 'Commands', rows: spec.commands.map((c) => [`${c.name} ${c.usage.replace(/\s*\[options\]$/, '')}`.trimEnd(), c.summary]) }],
      footer: `${spec.footer ? `${spec.footer.trim()}\n\n` : ''}Run '${spec.prog} <command> --help' for a command's options and examples.`,
      examples: spec.examples,
    });
  const unknown = (what: string) => new UserError(`${what}; commands: ${names.join(', ')} (see: ${spec.prog} --help)`);
  const main = (argv: string[], io: C = processIo() as C): Promise<number> =>
    runCli(async () => {
      const [first, ...rest] = argv;
      if (first === undefined) {
        io.stderr.write(help());
        return EXIT.usage;
      }
      if (first === '--help' || first === '-h') {
        io.stdout.write(help());
        return EXIT.ok;
      }
      if (first === 'help') {
        const cmd = rest[0] === undefined ? undefined : spec.commands.find((c) => c.name === rest[0]);
        if (rest[0] !== undefined && !cmd) throw unknown(`unknown command "${rest[0]}"`);
        io.stdout.write(cmd ? cmd.help(`${spec.prog} ${cmd.name}`) : help());
        return EXIT.ok;
      }
      if (first.startsWith('-')) throw unknown(`put the command first, before ${first}`);
      const cmd = spec.commands.find((c) => c.name === first);
      if (!cmd) throw unknown(`unknown command "${first}"`);
      return cmd.invoke(`${spec.prog} ${cmd.name}`, rest, io);
    }, io);
  return { main, help, commands: spec.commands };
}

/** True when this module is the process entry point (`tsx src/cli/x.ts`), also through symlinks. */
export function isEntryPoint(moduleUrl: string): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/** Start `main` when `moduleUrl` is the entry point, with the process's streams; sets process.exitCode. */
export function startCli(moduleUrl: string, main: (argv: string[], io: Io) => Promise<number>): void {
  if (!isEntryPoint(moduleUrl)) return;
  void main(process.argv.slice(2), { ...processIo(), signal: stopSignalFromProcess() }).then((code) => {
    process.exitCode = code;
  });
}
