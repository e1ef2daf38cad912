/** `npm run shifts -- list | apply <name>:<severity> <image> --out <file.png>`: see the corruption suite. */
import { resolve } from 'node:path';
import sharp from 'sharp';
import { decodeImageFile } from '../datasets/decode.ts';
import { NATURAL_SHIFTS } from '../datasets/natural-shifts.ts';
import { IMAGENET_SHIFT_NOTES } from '../datasets/imagenet-natural-shifts.ts';
import { applyCorruption, CORRUPTION_NAMES, CORRUPTIONS, corruptionSeed, findCorruption, SOURCE, suiteLabel, type CorruptionEntry } from '../shifts/index.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { sha256File } from '../util/hash.ts';
import { checkOutputFile } from './output-paths.ts';
import { defineCommand, defineGroup, formatTable, intFlag, JSON_FLAG, startCli, writeJson } from './toolkit.ts';

const PROG = 'npm run shifts --';
/** The suite's name with the seed left open: each run records its own. */
const SUITE = suiteLabel(0).replace('seed 0', 'seed s');

/** The function of make_cifar_c.py an entry follows: the registry's `source` ends with it. */
const functionOf = (c: CorruptionEntry) => /([a-z_]+\(\))$/.exec(c.source)?.[1] ?? c.source;

const paramNames = (c: CorruptionEntry) => Object.keys(c.severities[0]);

const list = defineCommand({
  name: 'list',
  summary: 'the 19 corruptions (group, fidelity, parameters of each severity, source) and the natural shifts',
  usage: '[options]',
  description: `Lists the CIFAR-10-C corruptions (Hendrycks & Dietterich, ICLR 2019) as re-implemented here: the 15
of the benchmark and the 4 extras, each with its parameters at severities 1-5 (as in make_cifar_c.py), the
function it follows and its fidelity:
  exact       no randomness; the original's uint8 output within 1 level
  encoder     no randomness; JPEG through sharp instead of Pillow
  seeded      the original's distributions, drawn from this project's seeded generator
  procedural  seeded, and stands in for data the original used that is not available (frost images)
Then the built-in natural shifts: another dataset's images of the source dataset's classes.`,
  flags: { ...JSON_FLAG },
  examples: [`${PROG} list`, `npm run -s shifts -- list --json`],
  async run({ values, positionals, io }) {
    if (positionals.length) throw new UserError(`list takes no arguments (got ${positionals.join(' ')}); see: ${PROG} list --help`);
    if (values.json) {
      return writeJson(io, {
        suite: SUITE,
        source: SOURCE,
        corruptions: CORRUPTIONS.map((c) => ({
          name: c.name,
          group: c.group,
          fidelity: c.fidelity,
          seeded: c.seeded,
          source: c.source,
          function: functionOf(c),
          severities: c.severities.map((params, i) => ({ severity: i + 1, params })),
          ...(c.notes ? { notes: c.notes } : {}),
        })),
        natural: NATURAL_SHIFTS.map((n) => ({ name: n.name, source: n.source, target: n.target, mapping: n.mapping, note: n.note })),
        imagenet: Object.entries(IMAGENET_SHIFT_NOTES).map(([name, note]) => ({ shift: `${name}:<dir>`, source: 'imagenet:<dir>', note })),
      });
    }
    // One line per parameter, its five severities side by side: the table stays narrow for snow's seven.
    const rows = CORRUPTIONS.flatMap((c) =>
      paramNames(c).map((p, i) => [
        i === 0 ? c.name : '', i === 0 ? (c.group === 'corruptions' ? '15' : 'extra') : '', i === 0 ? c.fidelity : '',
        p, ...c.severities.map((s) => String(s[p])),
      ]),
    );
    const notes = CORRUPTIONS.filter((c) => c.notes).map((c) => `  ${c.name}: ${c.notes}`);
    io.stdout.write(
      `${SUITE}\n` +
        `source: ${SOURCE}, the function of the same name (e.g. fog())\n\n` +
        formatTable(['name', 'group', 'fidelity', 'parameter', 'sev 1', 'sev 2', 'sev 3', 'sev 4', 'sev 5'], rows) +
        `\nnotes:\n${notes.join('\n')}\n\n` +
        `natural shifts (bench --dataset <source> --shift <name>; or map:<file.json> for your own pair):\n` +
        formatTable(['name', 'source', 'target', 'classes', 'note'], NATURAL_SHIFTS.map((n) => [n.name, n.source, n.target, String(Object.keys(n.mapping).length), n.note])) +
        `\nImageNet's natural shifts (bench --dataset imagenet:<dir> --shift <name>:<dir>; docs/imagenet.md):\n` +
        formatTable(['shift', 'note'], Object.entries(IMAGENET_SHIFT_NOTES).map(([name, note]) => [`${name}:<dir>`, note])),
    );
  },
});

const apply = defineCommand({
  name: 'apply',
  summary: 'corrupt one image file and write the result as PNG (--out required)',
  usage: '<name>:<severity> <image> --out <file.png> [options]',
  description: `Decodes <image>, applies one corruption at one severity (1-5) to its uint8 pixels, as bench does
before the model's preprocessing (no resizing, no normalisation), and writes the RGB result as PNG.
Seeded corruptions draw from corruptionSeed({ seed, datasetIdentity: 'file:<sha256 of the image file>',
split: 'file', row, corruption, severity }), so the same file, seed and row always give the same pixels.
The deterministic ones (exact, encoder) ignore --seed and --row.`,
  flags: {
    out: { type: 'string', value: '<file.png>', help: 'output PNG (required)' },
    seed: { type: 'string', value: '<n>', help: 'seed of the random corruptions (default 0)' },
    row: { type: 'string', value: '<i>', help: 'row index the image stands for in the seed key (default 0)' },
  },
  examples: [
    `${PROG} apply gaussian_noise:3 photo.png --out noisy.png`,
    `${PROG} apply fog:5 photo.jpg --seed 1 --out fog5.png`,
    `${PROG} list`,
  ],
  async run({ values, positionals, io }) {
    if (positionals.length !== 2) {
      throw new UserError(`apply takes <name>:<severity> and one image (got ${positionals.length} arguments), e.g. ${PROG} apply fog:3 photo.png --out fog.png`);
    }
    const [spec, imagePath] = positionals;
    const { corruption, severity } = oneCorruption(spec);
    if (!values.out) throw new UserError(`apply needs --out <file.png>, e.g. ${PROG} apply ${spec} ${imagePath} --out out.png`);
    const seed = intFlag(values.seed, '--seed', 0, 0);
    const row = intFlag(values.row, '--row', 0, 0);
    checkOutputFile('--out', values.out);
    if (!/\.png$/i.test(values.out)) throw new UserError(`--out ${values.out}: apply writes PNG; give a file name ending in .png`);
    const image = await decodeImageFile(imagePath);
    const datasetIdentity = `file:${await sha256File(imagePath)}`;
    const key = { seed, datasetIdentity, split: 'file', row, corruption, severity };
    const out = await applyCorruption(image, corruption, severity, corruptionSeed(key));
    const png = await sharp(out.data, { raw: { width: out.width, height: out.height, channels: out.channels } }).png().toBuffer();
    const target = resolve(values.out);
    await writeFileAtomic(target, png);
    const how = findCorruption(corruption)!.seeded ? `seed ${seed}, row ${row}` : 'deterministic';
    io.stdout.write(`wrote ${target}: ${corruption}:${severity} of ${imagePath} (${out.width}×${out.height}, ${how})\n`);
  },
});

/** Exactly one `name:severity` (a group or a bare name, which the shift-spec parser takes, is refused here). */
function oneCorruption(spec: string): { corruption: string; severity: number } {
  const m = /^([^:]*):(.*)$/.exec(spec);
  if (!m) throw new UserError(`apply takes one corruption with its severity, e.g. fog:3 (got '${spec}'); see: ${PROG} list`);
  const [, corruption, severity] = m;
  if (!findCorruption(corruption)) throw new UserError(`unknown corruption '${corruption}'; known: ${CORRUPTION_NAMES.join(', ')} (see: ${PROG} list)`);
  if (!/^[1-5]$/.test(severity)) throw new UserError(`severity '${severity}' of ${corruption} must be an integer from 1 to 5 (e.g. ${corruption}:3)`);
  return { corruption, severity: Number(severity) };
}

export const shiftsCli = defineGroup({
  prog: PROG,
  description: `The CIFAR-10-C corruptions, re-implemented (src/shifts/README.md): list them, or apply one to an image.
bench applies them to test images with --shift; datasets preview --shift shows them on a dataset.`,
  commands: [list, apply],
  examples: [`${PROG} list`, `${PROG} apply contrast:4 photo.png --out contrast4.png`, `${PROG} apply --help`],
});

export const main = shiftsCli.main;

startCli(import.meta.url, main);
