/** `npm run rank`: CLIP as a judge — images for a text (with a contact sheet), texts for an image, CLIPScore of pairs. */
import { join, resolve } from 'node:path';
import { DEFAULT_MODEL } from '../model/registry.ts';
import { openModel, resolveModelRef } from '../model/resolve.ts';
import { listImageFolder, openImageList } from '../datasets/image-list.ts';
import { rankImagesForText, rankTextsForImage, scorePairs, type RankRun } from '../pipeline/rank.ts';
import { newRunId } from '../pipeline/bench.ts';
import { toCsv } from '../reports/csv.ts';
import { writeOutputs, type OutputFile } from '../reports/write.ts';
import { UserError } from '../util/errors.ts';
import { PROJECT_ROOT, resolveFeatureCacheDir } from '../util/paths.ts';
import { separatorFlag, STORAGE_FLAGS } from './bench-args.ts';
import { MODEL_FLAGS, VARIANT_FLAG, variantFlag } from './model-flags.ts';
import { checkOutputDir } from './output-paths.ts';
import { readPairs, readPrompts } from './rank-inputs.ts';
import { choiceFlag, defineCommand, formatTable, intFlag, singleCommandMain, startCli, type Io } from './toolkit.ts';

const PROG = 'npm run rank --';

const FLAGS = {
  text: { type: 'string', value: '<text>', help: 'rank the images of --images for this text' },
  images: { type: 'string', value: '<dir>', help: 'the folder of images to rank (.png, .jpg, .jpeg, .webp)' },
  top: { type: 'string', value: '<k>', help: 'how many of the best images the contact sheet shows (default 32)' },
  texts: { type: 'string', value: '<file>', help: 'rank these texts (one per line) for --image' },
  image: { type: 'string', value: '<file>', help: 'the image --texts are ranked for' },
  score: { type: 'string', value: '<pairs.csv>', help: 'CLIPScore per row of a CSV with image,prompt[,reference,…] columns\n(image paths relative to the CSV); RefCLIPScore where references are given' },
  convention: { type: 'string', value: '<name>', help: 'clipscore (default: 2.5·max(cos, 0), "A photo depicts " prefix; Hessel et al.\n2021) or torchmetrics (100·cos, no prefix, mean clamped at 0)' },
  separator: { type: 'string', value: '<c>', help: '--score CSV separator (default ,)' },
  bootstrap: { type: 'string', value: '<n>', help: 'bootstrap resamples for the mean score\'s CI (default 1000)' },
  out: { type: 'string', value: '<dir>', help: 'output directory (default reports/rank-<run-id>); must be new or empty' },
  ...MODEL_FLAGS,
  ...VARIANT_FLAG,
  'batch-size': { type: 'string', value: '<n>', help: 'images per encoder call (default 32)' },
  'skip-bad': { type: 'boolean', help: 'skip unreadable images (they are listed)' },
  ...STORAGE_FLAGS,
} as const;

const EXAMPLES = [
  `${PROG} --text "a photo of a dog" --images generated/ --top 32`,
  `${PROG} --texts prompts.txt --image photo.png`,
  `${PROG} --score pairs.csv`,
  `${PROG} --score pairs.csv --convention torchmetrics --model clip-vit-b32`,
];

type Values = Parameters<Parameters<typeof defineCommand<typeof FLAGS>>[0]['run']>[0]['values'];

function mode(v: Values): 'images' | 'texts' | 'score' {
  const modes = [v.text !== undefined && 'images', v.texts !== undefined && 'texts', v.score !== undefined && 'score'].filter(Boolean) as ('images' | 'texts' | 'score')[];
  if (modes.length !== 1) throw new UserError(`give exactly one of --text (with --images), --texts (with --image) or --score (see: ${PROG} --help)`);
  const m = modes[0];
  if (m === 'images' && !v.images) throw new UserError(`--text ranks the images of a folder: add --images <dir>`);
  if (m === 'texts' && !v.image) throw new UserError(`--texts ranks texts for one image: add --image <file>`);
  if (m === 'images' && v.text!.trim() === '') throw new UserError(`--text is empty: give the text to rank the images for`);
  if (m !== 'images' && v.top !== undefined) throw new UserError(`--top picks the images of the contact sheet: it goes with --text and --images`);
  if (m !== 'score' && (v.convention !== undefined || v.separator !== undefined)) throw new UserError(`--${v.convention !== undefined ? 'convention' : 'separator'} goes with --score`);
  return m;
}

const fmt = (x: number | null, digits = 4) => (x === null ? '' : x.toFixed(digits));

async function rank(v: Values, io: Io): Promise<number> {
  const m = mode(v);
  const top = intFlag(v.top, '--top', 32, 1, 100_000);
  const convention = choiceFlag(v.convention, '--convention', ['clipscore', 'torchmetrics'] as const) ?? 'clipscore';
  const sep = separatorFlag(v.separator) ?? ',';
  const resamples = intFlag(v.bootstrap, '--bootstrap', 1000, 1, 100_000);
  const runId = newRunId();
  const outDir = resolve(v.out ?? join(PROJECT_ROOT, 'reports', `rank-${runId}`));
  checkOutputDir({ flag: v.out ? '--out' : '--out (default)', path: outDir, mustBeEmpty: v.out !== undefined, force: v.force === true });
  const modelRef = v.model ?? DEFAULT_MODEL;
  resolveModelRef(modelRef);
  const skipBad = v['skip-bad'] === true;
  // Every input is read and checked before the model loads.
  const texts = m === 'texts' ? await readPrompts(v.texts!) : [];
  const pairs = m === 'score' ? await readPairs(v.score!, sep) : [];
  const imageItems = m === 'images' ? (await listImageFolder(v.images!, '--images')).map((path) => ({ path })) : m === 'texts' ? [{ path: v.image!, origin: '--image' }] : [...new Map(pairs.map((p) => [p.image, { path: p.image, origin: p.origin }])).values()];
  const list = await openImageList(m === 'images' ? v.images! : m === 'texts' ? v.image! : v.score!, imageItems, skipBad);
  for (const s of list.skipped) io.stderr.write(`skipped unreadable image ${s.path} (${s.reason})\n`);
  if (m === 'images' && top > list.paths.length) throw new UserError(`--top ${top} is more than the ${list.paths.length} images in ${v.images}; use at most ${list.paths.length}`);
  const log = (msg: string) => io.stderr.write(`${msg}\n`);
  const model = await openModel(modelRef, { variant: variantFlag(v.variant), modelsDir: v['models-dir'], allowUnverified: v['allow-unverified'] === true, progress: { stream: io.stderr }, log });
  const run: RankRun = { cacheRoot: v['no-cache'] ? null : resolveFeatureCacheDir(v['cache-dir']), batchSize: intFlag(v['batch-size'], '--batch-size', 32, 1, 4096), workers: 1, stderr: io.stderr, log };
  const files: OutputFile[] = [];
  const meta = { runId, model: model.name, demo: model.manifest.demo };
  try {
    if (m === 'images' || m === 'texts') {
      const r = m === 'images' ? await rankImagesForText(model, v.text!, list, top, run) : { ranked: await rankTextsForImage(model, texts, list, run), sheet: null };
      const query = m === 'images' ? { text: v.text } : { image: list.paths[0] };
      files.push(['ranked.csv', toCsv(['rank', m === 'images' ? 'image' : 'text', 'cosine'], r.ranked.map((x) => ({ rank: x.rank, [m === 'images' ? 'image' : 'text']: x.item, cosine: x.cosine })))]);
      files.push(['ranked.json', JSON.stringify({ ...meta, ...query, score: 'cosine', ranked: r.ranked }, null, 2)]);
      if (r.sheet) files.push(['contact-sheet.png', r.sheet]);
      const shown = r.ranked.slice(0, m === 'images' ? top : r.ranked.length);
      io.stdout.write(formatTable(['rank', m === 'images' ? 'image' : 'text', 'cosine'], shown.map((x) => [String(x.rank), x.item, fmt(x.cosine)])));
    } else {
      const rowImage = new Map(list.paths.map((p, i) => [resolve(p), i]));
      const kept = pairs.filter((p) => rowImage.has(resolve(p.image)));
      const r = await scorePairs(model, kept.map((p) => ({ image: rowImage.get(resolve(p.image))!, prompt: p.prompt, references: p.references })), list, convention, { ...run, seed: 20210418, resamples });
      const name = convention === 'clipscore' ? 'clip_score' : 'clip_score_torchmetrics';
      const refName = convention === 'clipscore' ? 'ref_clip_score' : 'ref_clip_score_torchmetrics';
      files.push(['scores.csv', toCsv(['image', 'prompt', 'cosine', name, refName], r.rows.map((x) => ({ image: x.image, prompt: x.prompt, cosine: x.cosine, [name]: x.score, [refName]: x.refScore })))]);
      const definition = convention === 'clipscore' ? '2.5 * max(cos, 0), prompt prefixed "A photo depicts " (Hessel et al. 2021, jmhessel/clipscore)' : '100 * cos, no prefix; the mean clamped at 0 (torchmetrics CLIPScore)';
      files.push(['scores.json', JSON.stringify({ ...meta, convention, definition, [name]: r.mean, ...(r.refMean ? { [refName]: r.refMean } : {}), rows: r.rows }, null, 2)]);
      io.stdout.write(formatTable(['image', 'prompt', name, ...(r.refMean ? [refName] : [])], r.rows.map((x) => [x.image, x.prompt, fmt(x.score), ...(r.refMean ? [fmt(x.refScore)] : [])])));
      io.stdout.write(`\nmean ${name} ${fmt(r.mean.mean)} [95% CI ${fmt(r.mean.ci[0])}, ${fmt(r.mean.ci[1])}] over ${r.rows.length} pairs (${definition})\n`);
      if (r.refMean) io.stdout.write(`mean ${refName} ${fmt(r.refMean.mean)} [95% CI ${fmt(r.refMean.ci[0])}, ${fmt(r.refMean.ci[1])}]\n`);
    }
  } finally {
    await model.release();
  }
  if (model.manifest.demo) io.stdout.write(`note: ${model.name} is the demo model trained in this repository, not CLIP\n`);
  await writeOutputs(outDir, files);
  io.stdout.write(`wrote ${files.map(([f]) => join(outDir, f)).join(', ')}\n`);
  return 0;
}

export const rankCommand = defineCommand({
  name: 'rank',
  summary: 'rank images for a text, texts for an image, or CLIPScore of image-prompt pairs',
  usage: '--text <text> --images <dir> | --texts <file> --image <file> | --score <pairs.csv> [options]',
  description: 'CLIP as a judge: rank images by their cosine with a text (the best k of many generated images, with a contact sheet), texts for one image, or score (image, prompt) pairs with CLIPScore (RefCLIPScore with references).',
  flags: FLAGS,
  examples: EXAMPLES,
  run: ({ values, positionals, io }) => {
    if (positionals.length) throw new UserError(`unexpected argument "${positionals[0]}" (flags start with --; see: ${PROG} --help)`);
    return rank(values, io);
  },
});

export const main = singleCommandMain(PROG, rankCommand);

startCli(import.meta.url, main);
