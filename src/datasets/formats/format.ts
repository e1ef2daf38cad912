/** The interface every dataset format implements: how a path is recognised and how its files and classes are listed. */
import type { Stats } from 'node:fs';
import type { Split } from '../types.ts';
import type { ClassSpec } from '../user/classes.ts';
import type { ListedFile } from '../user/listing.ts';

/** What a format's reader returns: class names in index order, and every file of every split with its label. */
export interface ListedDataset {
  classes: string[];
  files: ListedFile[];
  /** Zero-shot templates the layout itself carries (each with `{}`), used when no --templates file is given. */
  templates?: string[];
  /** Container files the images were read from (tar shards), hashed whole: recorded in provenance and part of the identity. */
  containers?: ContainerFile[];
  /** 'val' when the layout names the probes' validation rows itself (CoOp's `val` list); see Dataset.validationSplit. */
  validationSplit?: 'val';
  /** Pixels to crop from each edge of every decoded image (ObjectNet's border), part of the identity. */
  cropBorder?: number;
}

/** A file that holds many images (a webdataset shard, a parquet file), by its path relative to the dataset root. */
export interface ContainerFile {
  /** The split whose images it holds (its hash joins that split's identity only). */
  split: Split;
  rel: string;
  size: number;
  sha256: string;
}

/** A caption of one listed image (its index in the file list), for caption retrieval. */
export interface ListedCaption {
  file: number;
  caption: string;
}

export interface DatasetFormat {
  /** Its `<name>:` prefix on the command line (`--dataset csv:data/list.txt`), and the kind in a dataset's identity. */
  readonly name: string;
  /** The layout it reads, as a user would look for it: "a folder of class folders". */
  readonly describe: string;
  /** What the path itself is, for "neither … nor …": "a folder". */
  readonly noun: string;
  /** Whether `path` (stat'ed) has this layout, for a path given with no prefix; formats are asked in registry order. */
  probe(path: string, stats: Stats): boolean | Promise<boolean>;
  /** Chosen only by its prefix (its layout needs a flag too): left out of the layouts a bare path is checked against. */
  readonly prefixOnly?: boolean;
  /** Whether `path` is something this format can read when the prefix names it (e.g. a folder, a file); else the error's words. */
  accepts(stats: Stats): true | string;
  /** Whether classes.txt and templates.json beside the data are read when no flag names them (a folder's own; a CSV's folder may hold unrelated files). */
  readonly sidecars: boolean;
  /** Lists the dataset: `specs` (from a classes file, `specsFile`) fix class names and order when given. */
  list(path: string, specs: ClassSpec[] | undefined, specsFile: string | undefined, opts?: FormatOptions): Promise<ListedDataset>;
}

/** Settings some formats take from the command line. */
export interface FormatOptions {
  /** Parquet: the image column (`--image-column`), when it cannot be found by its type. */
  imageColumn?: string;
  /** Parquet: the label column (`--label-column`), when it is not a ClassLabel or named label. */
  labelColumn?: string;
  /** CoOp: the split file (`--split-file split_zhou_<Name>.json`). */
  splitFile?: string;
  /** SHA-256s already known for container files, by path relative to the root (a hub snapshot's): not hashed again. */
  knownSha256?: KnownHashes;
}

export type KnownHashes = ReadonlyMap<string, { size: number; sha256: string }>;
