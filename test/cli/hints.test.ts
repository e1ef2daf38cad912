/**
 * Every hint an error gives must be a command that works: the flags an error suggests are flags of
 * the command that printed it, and every `npm run <cli> -- …` written in the sources, the README and
 * docs/ names a command and flags that exist (read from that command's own --help).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { benchCommand, main as bench } from '../../src/cli/bench.ts';
import { datasetsCli, main as datasets } from '../../src/cli/datasets.ts';
import { main as models, modelsCli } from '../../src/cli/models.ts';
import type { Command, Io } from '../../src/cli/toolkit.ts';
import { PROJECT_ROOT } from '../../src/util/paths.ts';
import { runMain } from './capture.ts';
import { writeTinyFolder } from './fixtures.ts';
import { writeTinyExport } from '../helpers/tiny-exports.ts';

const hintedFlags = (message: string) => [...new Set(message.match(/(?<![\w-])--[a-z][a-z0-9-]*/g) ?? [])];
const flagNames = (c: Command<Io> | Command<never>) => Object.keys(c.flags).map((f) => `--${f}`);
const commandOf = (group: { commands: Command<never>[] }, name: string) => group.commands.find((c) => c.name === name)!;

const work = mkdtempSync(join(tmpdir(), 'cb-cli-hints-'));
const saved = { hub: process.env.CLIP_BENCH_HUB_URL, models: process.env.CLIP_BENCH_MODELS };
let folder: string;
let broken: string;
let model: string;

beforeAll(async () => {
  // Registry downloads go to a hub that is not there, into an empty cache: no network, ever.
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  process.env.CLIP_BENCH_HUB_URL = `http://127.0.0.1:${port}`;
  process.env.CLIP_BENCH_MODELS = join(work, 'models');
  folder = await writeTinyFolder(join(work, 'photos'));
  broken = await writeTinyFolder(join(work, 'broken'), { corrupt: true });
  model = join(work, 'tiny-model');
  await writeTinyExport(model, { layout: 'two-file', dim: 8 });
});
afterAll(() => {
  for (const [k, v] of [['CLIP_BENCH_HUB_URL', saved.hub], ['CLIP_BENCH_MODELS', saved.models]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(work, { recursive: true, force: true });
});

describe('hints in errors name flags the command accepts', () => {
  it('bench on an unpinned registry model suggests --allow-unverified and --model, and --allow-unverified gets past it', async () => {
    const r = await runMain(bench, ['--dataset', folder, '--shots', '1', '--model', 'clip-vit-b16', '--out', join(work, 'o1')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no pinned SHA-256/);
    const hinted = hintedFlags(r.err);
    expect(hinted).toEqual(expect.arrayContaining(['--allow-unverified', '--model']));
    for (const f of hinted) expect(flagNames(benchCommand())).toContain(f);
    const again = await runMain(bench, ['--dataset', folder, '--shots', '1', '--model', 'clip-vit-b16', '--allow-unverified', '--models-dir', join(work, 'm2'), '--out', join(work, 'o2')]);
    expect(again.code).toBe(2);
    expect(again.err).not.toMatch(/no pinned SHA-256/);
    expect(again.err).toMatch(/hub is unreachable/);
    expect(again.err).toContain(join(work, 'm2', 'clip-vit-b16'));
  });

  it('models inspect on an unpinned registry model suggests flags inspect accepts', async () => {
    const r = await runMain(models, ['inspect', 'clip-vit-b16']);
    expect(r.code).toBe(2);
    for (const f of hintedFlags(r.err)) expect(flagNames(commandOf(modelsCli, 'inspect'))).toContain(f);
  });

  it('an unreadable image suggests --skip-bad, which bench and datasets info accept', async () => {
    const b = await runMain(bench, ['--dataset', broken, '--shots', '1', '--model', model, '--out', join(work, 'o3')]);
    expect(b.code).toBe(2);
    const hintedB = hintedFlags(b.err);
    expect(hintedB).toContain('--skip-bad');
    const i = await runMain(datasets, ['info', broken]);
    expect(i.code).toBe(2);
    expect(hintedFlags(i.err)).toContain('--skip-bad');
    for (const f of hintedFlags(i.err)) expect(flagNames(commandOf(datasetsCli, 'info'))).toContain(f);
    for (const f of hintedB) expect(flagNames(benchCommand())).toContain(f);
  });
});

describe('`npm run <cli> -- …` written in sources, the README and docs/', () => {
  const docs = readdirSync(join(PROJECT_ROOT, 'docs')).filter((n) => n.endsWith('.md')).map((n) => join(PROJECT_ROOT, 'docs', n));
  const files = [join(PROJECT_ROOT, 'README.md'), join(PROJECT_ROOT, 'bench', 'README.md'), ...docs, ...walk(join(PROJECT_ROOT, 'src')).filter((f) => f.endsWith('.ts'))];
  const uses: { file: string; prog: Prog; words: string[] }[] = [];
  for (const file of files) {
    for (const m of readFileSync(file, 'utf8').matchAll(/npm run (bench|compare|datasets|features|models|perf|rank|report|shifts) -- ([^`'"\n#)]*)/g)) {
      // `list | fetch <name…> | info <name>`: each alternative is a command line of its own.
      for (const alt of m[2].split(' | ')) uses.push({ file, prog: m[1] as Prog, words: alt.replace(/[[\]]/g, ' ').trim().split(/\s+/).filter(Boolean) });
    }
  }

  it('finds the examples it checks', () => {
    expect(uses.filter((u) => u.prog === 'bench').length).toBeGreaterThan(3);
    expect(uses.some((u) => u.prog === 'datasets' && u.words[0] === 'fetch')).toBe(true);
    for (const prog of Object.keys(CLIS)) expect(uses.some((u) => u.prog === prog && u.file.includes(`${join(PROJECT_ROOT, 'docs')}`)), prog).toBe(true);
  });

  it('each names an existing command and flags that command accepts', async () => {
    const problems: string[] = [];
    for (const { file, prog, words } of uses) {
      const { group } = CLIS[prog];
      const name = group ? words[0] : undefined;
      if (group && (!name || /^[<$…-]/.test(name))) continue; // a placeholder for the command, or group-level --help
      const accepted = await acceptedFlags(prog, name);
      if (!accepted) {
        problems.push(`${file}: npm run ${prog} -- ${name}: no such command`);
        continue;
      }
      for (const f of words.filter((w) => /^--[a-z]/.test(w)).map((w) => w.split('=')[0].replace(/[,.;:]+$/, ''))) {
        if (!accepted.includes(f)) problems.push(`${file}: npm run ${prog} -- ${words.join(' ')}: ${f} is not a flag of ${name ?? prog}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('reads the flags a command accepts from its --help', async () => {
    expect(await acceptedFlags('compare', undefined)).toEqual(expect.arrayContaining(['--reference', '--candidate', '--preset']));
    expect(await acceptedFlags('features', 'extract')).toEqual(expect.arrayContaining(['--shard', '--shards', '--cache-dir']));
    expect(await acceptedFlags('features', 'no-such-command')).toBeUndefined();
    expect(await acceptedFlags('bench', undefined)).toEqual(flagNames(benchCommand()));
  });
});

type Prog = 'bench' | 'compare' | 'datasets' | 'features' | 'models' | 'perf' | 'rank' | 'report' | 'shifts';
type Main = (argv: string[], io: Io) => Promise<number>;
/** Each npm script's CLI: a group takes a command name first. Loaded lazily (perf pulls in bench/). */
const CLIS: Record<Prog, { group: boolean; load: () => Promise<Main> }> = {
  bench: { group: false, load: async () => bench },
  compare: { group: false, load: async () => (await import('../../src/cli/compare.ts')).main },
  datasets: { group: true, load: async () => datasets },
  features: { group: true, load: async () => (await import('../../src/cli/features.ts')).main as Main },
  models: { group: true, load: async () => models as Main },
  perf: { group: false, load: async () => (await import('../../bench/perf.ts')).main as Main },
  rank: { group: false, load: async () => (await import('../../src/cli/rank.ts')).main as Main },
  report: { group: false, load: async () => (await import('../../src/cli/report.ts')).main as Main },
  shifts: { group: true, load: async () => (await import('../../src/cli/shifts.ts')).main as Main },
};
const helpCache = new Map<string, string[] | undefined>();

/** The flags listed under "Options:" in `npm run <prog> -- [name] --help`; undefined if there is no such command. */
async function acceptedFlags(prog: Prog, name: string | undefined): Promise<string[] | undefined> {
  const key = `${prog} ${name ?? ''}`;
  if (!helpCache.has(key)) {
    const r = await runMain(await CLIS[prog].load(), [...(name ? [name] : []), '--help']);
    const options = r.code === 0 ? /(?:^|\n)Options:\n([\s\S]*?)(?:\n\n|$)/.exec(r.out) : null;
    helpCache.set(key, options ? [...options[1].matchAll(/^ {2}(?:-\w, )?(--[a-z][a-z0-9-]*)/gm)].map((m) => m[1]) : undefined);
  }
  return helpCache.get(key);
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
}
