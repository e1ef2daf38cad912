/** The interface every dataset format implements: how a path is recognised and how its files and classes are listed. */
import type { Stats } from 'node:fs';
import type { ClassSpec } from '../user/classes.ts';
import type { ListedFile } from '../user/listing.ts';

/** What a format's reader returns: class names in index order, and every file of every split with its label. */
export interface ListedDataset {
  classes: string[];
  files: ListedFile[];
}

export interface DatasetFormat {
  /** Its `<name>:` prefix on the command line (`--dataset csv:data/list.txt`), and the kind in a dataset's identity. */
  readonly name: string;
  /** The layout it reads, as a user would look for it: "a folder of class folders". */
  readonly describe: string;
  /** What the path itself is, for "neither … nor …": "a folder". */
  readonly noun: string;
  /** Whether `path` (stat'ed) has this layout, for a path given with no prefix; formats are asked in registry order. */
  probe(path: string, stats: Stats): boolean;
  /** Whether `path` is something this format can read when the prefix names it (e.g. a folder, a file); else the error's words. */
  accepts(stats: Stats): true | string;
  /** Whether classes.txt and templates.json beside the data are read when no flag names them (a folder's own; a CSV's folder may hold unrelated files). */
  readonly sidecars: boolean;
  /** Lists the dataset: `specs` (from a classes file, `specsFile`) fix class names and order when given. */
  list(path: string, specs: ClassSpec[] | undefined, specsFile: string | undefined): Promise<ListedDataset>;
}
