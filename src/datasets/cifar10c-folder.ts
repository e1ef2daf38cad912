/**
 * The released CIFAR-10-C files (Hendrycks & Dietterich, "Benchmarking Neural Network Robustness to
 * Common Corruptions and Perturbations", ICLR 2019; zenodo.org/record/2535967, CIFAR-10-C.tar) as a
 * dataset: a folder with `<corruption>.npy` (N×32×32×3 uint8, severity-major: rows 0..N/5−1 are
 * severity 1, …, the last N/5 severity 5; N = 50,000 in the release) and `labels.npy` (N labels,
 * the CIFAR-10 test labels once per severity). One (corruption, severity) is one dataset with a test
 * split only, CIFAR-10's classes and templates. These are the published images, not this project's
 * re-implementation (src/shifts/), whose random corruptions are drawn with a seed instead.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../util/errors.ts';
import { sha256File, stableHash } from '../util/hash.ts';
import { decodeNpy, decodeNpyHeader, type NpyHeader } from '../util/npy.ts';
import { CORRUPTION_NAMES } from './corruption-names.ts';
import { BUILTIN_DATASETS } from './registry.ts';
import type { Dataset, LabeledImage, RawImage, Split } from './types.ts';

/** Bumped when what a (file, corruption, severity) reads as changes, so feature caches do not mix them. */
const FORMAT_VERSION = 1;
const SIDE = 32;
const PER_IMAGE = SIDE * SIDE * 3;
/** Enough for any .npy header NumPy writes for a 4-D array (format 1.0 pads it to 64 or 128 bytes). */
const HEADER_PROBE_BYTES = 4096;
const FROM = 'the released CIFAR-10-C (zenodo.org/record/2535967, CIFAR-10-C.tar)';

/** A UserError naming the file, with what the folder must hold. */
const badFile = (file: string, why: string) =>
  new UserError(`${file}: ${why}; a CIFAR-10-C folder holds <corruption>.npy (N×32×32×3 uint8, severity-major) and labels.npy (N labels) from ${FROM}`);

/** Missing or unreadable: a UserError naming the file. */
function explain(file: string) {
  return (e: NodeJS.ErrnoException): never => {
    throw badFile(file, e.code === 'ENOENT' ? 'missing' : `cannot read (${e.code ?? e.message})`);
  };
}

/** The header and the file's size, without reading the data (150 MB per corruption in the release). */
async function readHeader(file: string): Promise<{ header: NpyHeader; size: number }> {
  const fh = await open(file, 'r').catch(explain(file));
  try {
    const buf = Buffer.alloc(HEADER_PROBE_BYTES);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const header = decodeNpyHeader(buf.subarray(0, bytesRead), file);
    return { header, size: (await fh.stat()).size };
  } finally {
    await fh.close();
  }
}

/** Open one corruption at one severity (1–5) of a CIFAR-10-C folder; everything is checked here, before any image is read. */
export async function openCifar10CFolder(dir: string, corruption: string, severity: number): Promise<Dataset> {
  if (!CORRUPTION_NAMES.includes(corruption)) {
    throw new UserError(`unknown CIFAR-10-C corruption '${corruption}'; the release has: ${CORRUPTION_NAMES.join(', ')}`);
  }
  if (!Number.isInteger(severity) || severity < 1 || severity > 5) throw new UserError(`${corruption}: severity ${severity} must be an integer from 1 to 5`);
  const root = resolve(dir);
  const st = await stat(root).catch(() => undefined);
  if (!st?.isDirectory()) throw new UserError(`${dir}: not a folder; give the folder that holds ${corruption}.npy and labels.npy from ${FROM}`);

  const imagesFile = join(root, `${corruption}.npy`);
  const labelsFile = join(root, 'labels.npy');
  const { header, size } = await readHeader(imagesFile);
  const [rows, h, w, c] = header.shape;
  if (header.shape.length !== 4 || h !== SIDE || w !== SIDE || c !== 3) throw badFile(imagesFile, `shape (${header.shape.join(', ')}), expected (N, 32, 32, 3)`);
  if (header.dtype !== '|u1') throw badFile(imagesFile, `dtype ${header.dtype}, expected uint8`);
  if (rows === 0 || rows % 5 !== 0) throw badFile(imagesFile, `${rows} rows, expected a positive multiple of 5 (five severities of equal size)`);
  if (size !== header.dataOffset + header.dataBytes) {
    throw badFile(imagesFile, `${size} bytes, expected ${header.dataOffset + header.dataBytes} for shape (${header.shape.join(', ')}) (truncated or extended?)`);
  }

  const decoded = decodeNpy(await readFile(labelsFile).catch(explain(labelsFile)), labelsFile);
  if (decoded.shape.length !== 1 || decoded.shape[0] !== rows) throw badFile(labelsFile, `shape (${decoded.shape.join(', ')}), expected (${rows},) to match ${corruption}.npy`);
  if (decoded.data instanceof Float32Array || decoded.data instanceof Float64Array) throw badFile(labelsFile, `dtype ${decoded.dtype}, expected integer labels`);
  const perSeverity = rows / 5;
  const first = (severity - 1) * perSeverity;
  const labels = new Int32Array(perSeverity);
  const classes = BUILTIN_DATASETS.cifar10.classes;
  for (let i = 0; i < perSeverity; i++) {
    const l = Number(decoded.data[first + i]);
    if (!Number.isInteger(l) || l < 0 || l >= classes.length) throw badFile(labelsFile, `label ${l} at row ${first + i} is not a CIFAR-10 class index 0–9`);
    labels[i] = l;
  }

  const [imagesSha, labelsSha] = [await sha256File(imagesFile), await sha256File(labelsFile)];
  const identity = stableHash({ format: FORMAT_VERSION, kind: 'cifar10-c-folder', imagesSha, labelsSha, corruption, severity });
  let block: Promise<Uint8Array> | undefined;
  // One severity is 10,000 × 3 KiB = 30 MB in the release: read whole on first use, as the built-in store's pages are.
  const readBlock = (): Promise<Uint8Array> =>
    (block ??= (async () => {
      const fh = await open(imagesFile, 'r');
      try {
        const buf = new Uint8Array(perSeverity * PER_IMAGE);
        const { bytesRead } = await fh.read(buf, 0, buf.length, header.dataOffset + first * PER_IMAGE);
        if (bytesRead !== buf.length) throw badFile(imagesFile, 'ended early (changed while reading?)');
        return buf;
      } finally {
        await fh.close();
      }
    })());
  const testOnly = (split: Split) => {
    if (split !== 'test') throw new UserError(`CIFAR-10-C ${corruption}:${severity} has no ${split} split (it has: test)`);
  };

  return {
    name: `cifar10-c/${corruption}:${severity}`,
    classes,
    templates: BUILTIN_DATASETS.cifar10.templates,
    splits: ['test'],
    provenance: {
      source: `cifar10-c-folder:${root}`,
      checksum: stableHash({ imagesSha, labelsSha }),
      notes: `${FROM}, ${corruption} severity ${severity} (rows ${first}–${first + perSeverity - 1} of ${corruption}.npy)`,
    },
    identity: (split) => (testOnly(split), identity),
    size: async (split) => (testOnly(split), perSeverity),
    labels: async (split) => (testOnly(split), labels.slice()),
    async *read(split, indices): AsyncIterable<LabeledImage> {
      testOnly(split);
      const wanted = indices ? Array.from(indices) : Array.from({ length: perSeverity }, (_, i) => i);
      wanted.forEach((i, k) => {
        if (!Number.isInteger(i) || i < 0 || i >= perSeverity) throw new RangeError(`index ${i} out of range for a split of ${perSeverity}`);
        if (k > 0 && i <= wanted[k - 1]) throw new RangeError('indices must be sorted ascending and unique');
      });
      const data = await readBlock();
      for (const i of wanted) {
        const image: RawImage = { data: data.slice(i * PER_IMAGE, (i + 1) * PER_IMAGE), width: SIDE, height: SIDE, channels: 3 };
        yield { index: i, label: labels[i], image, source: `${corruption}.npy row ${first + i}` };
      }
    },
  };
}
