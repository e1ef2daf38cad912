/**
 * Dataset formats: one file per on-disk layout of the user's own data (CLIP_benchmark webdataset, Hugging Face parquet, image folder, CSV manifest), each a
 * DatasetFormat; a new layout is a new file here plus one line in FORMATS. Hub downloads are sources, not formats.
 */
import { stat } from 'node:fs/promises';
import { UserError } from '../../util/errors.ts';
import { COOP_SPLIT } from './coop-split.ts';
import { CSV_MANIFEST } from './csv-manifest.ts';
import type { DatasetFormat } from './format.ts';
import { IMAGE_FOLDER } from './image-folder.ts';
import { IMAGENET } from './imagenet.ts';
import { IMAGENET_SHIFT_FORMATS } from './imagenet-shifts.ts';
import { OBJECTNET } from './objectnet.ts';
import { PARQUET } from './parquet.ts';
import { WEBDATASET } from './webdataset.ts';

export type { DatasetFormat, FormatOptions, ListedDataset } from './format.ts';

/** Every format, in the order a path with no prefix is probed. */
export const FORMATS: readonly DatasetFormat[] = [WEBDATASET, PARQUET, IMAGE_FOLDER, CSV_MANIFEST, COOP_SPLIT, IMAGENET, ...IMAGENET_SHIFT_FORMATS, OBJECTNET];

/** The formats a bare path may have, probed in this order. */
const PROBED = FORMATS.filter((f) => !f.prefixOnly);

export const findFormat = (name: string): DatasetFormat | undefined => FORMATS.find((f) => f.name === name);

/** `<name>:` at the start of a dataset argument (two letters at least, so a Windows drive `C:` is a path). */
const PREFIX = /^([a-z][a-z0-9-]+):(.+)$/i;

/**
 * The format of a dataset argument and the path it names: `<format>:<path>` picks the format by name;
 * a bare path is probed (a folder, a .csv file). Errors name the argument and the layouts that work.
 */
export async function pickFormat(arg: string): Promise<{ format: DatasetFormat; path: string }> {
  const m = PREFIX.exec(arg);
  const named = m ? findFormat(m[1].toLowerCase()) : undefined;
  if (named && m) {
    const path = m[2];
    const stats = await stat(path).catch(() => undefined);
    if (!stats) throw new UserError(`dataset path ${path} (in ${arg}) does not exist; give ${named.describe}`);
    const ok = named.accepts(stats);
    if (ok !== true) throw new UserError(`${arg}: ${path} is ${ok}; the ${named.name}: format reads ${named.describe}`);
    return { format: named, path };
  }
  const stats = await stat(arg).catch(() => undefined);
  if (!stats) {
    if (m) throw new UserError(`${arg}: no such path, and no dataset format named "${m[1]}:" (formats: ${FORMATS.map((f) => `${f.name}:`).join(', ')})`);
    throw new UserError(`dataset path ${arg} does not exist; give ${PROBED.map((f) => f.describe).join(' or ')}`);
  }
  let format: DatasetFormat | undefined;
  for (const f of PROBED) if (!format && (await f.probe(arg, stats))) format = f;
  if (!format) throw new UserError(`${arg} is neither ${[...new Set(PROBED.map((f) => f.noun))].join(' nor ')}`);
  return { format, path: arg };
}
