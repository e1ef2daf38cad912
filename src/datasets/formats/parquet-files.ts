/**
 * Reading Hugging Face parquet files with hyparquet (pure JS, no native build, maintained, reads
 * nested struct columns and the key-value metadata where 🤗 datasets keeps its features;
 * hyparquet-compressors adds the codecs beyond Snappy: gzip, brotli, zstd, lz4). What the parquet
 * format module needs: the columns by type, the 🤗 features, labels, and images by row with the
 * row group they sit in decoded once and kept while its rows are read.
 */
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { UserError } from '../../util/errors.ts';

/** 🤗 datasets' feature description of one column (`{"_type": "Image"}`, `{"_type": "ClassLabel", "names": [...]}`). */
export interface HfFeature {
  _type?: string;
  names?: string[];
}

export interface ParquetFile {
  path: string;
  file: AsyncBuffer;
  metadata: FileMetaData;
  /** Top-level columns: name, and the names of a struct's fields (empty for a plain column). */
  columns: { name: string; type?: string; fields: { name: string; type?: string }[] }[];
  /** The `huggingface` key-value metadata's `info.features`, when present. */
  features: Record<string, HfFeature>;
  rows: number;
}

export async function openParquet(path: string): Promise<ParquetFile> {
  let file: AsyncBuffer;
  let metadata: FileMetaData;
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    throw new UserError(`${path} is not a readable parquet file (${(e as Error).message}); re-download it`);
  }
  const columns = parquetSchema(metadata).children.map((c) => ({
    name: c.element.name,
    type: c.element.type,
    fields: c.children.map((f) => ({ name: f.element.name, type: f.element.type })),
  }));
  let features: Record<string, HfFeature> = {};
  const hf = metadata.key_value_metadata?.find((kv) => kv.key === 'huggingface')?.value;
  if (hf) {
    try {
      features = (JSON.parse(hf) as { info?: { features?: Record<string, HfFeature> } }).info?.features ?? {};
    } catch {
      // Unreadable metadata is treated as absent: the columns are then found by their types.
    }
  }
  return { path, file, metadata, columns, features, rows: Number(metadata.num_rows) };
}

/** Every value of one plain column, in row order. */
export async function readColumn(pq: ParquetFile, column: string): Promise<unknown[]> {
  const rows = await parquetReadObjects({ file: pq.file, metadata: pq.metadata, columns: [column], compressors });
  return rows.map((r) => r[column]);
}

/**
 * The encoded image bytes of rows of one struct column ({bytes, path}): a row group is decoded
 * when one of its rows is asked for and kept until a row of another group is (reads go in order).
 */
export class ParquetImageColumn {
  private readonly starts: number[] = [];
  private cached: { group: number; images: Promise<(Uint8Array | null)[]> } | undefined;

  constructor(
    private readonly pq: ParquetFile,
    private readonly column: string,
  ) {
    let at = 0;
    for (const g of pq.metadata.row_groups) {
      this.starts.push(at);
      at += Number(g.num_rows);
    }
    this.starts.push(at);
  }

  async get(row: number): Promise<Buffer> {
    let group = this.starts.findIndex((s, i) => row >= s && row < this.starts[i + 1]);
    if (group < 0) group = this.starts.length - 2;
    if (this.cached?.group !== group) this.cached = { group, images: this.readGroup(group) };
    const bytes = (await this.cached.images)[row - this.starts[group]];
    if (!bytes) throw new UserError(`${this.pq.path} row ${row}: the ${this.column} column holds no image bytes (only a path?); re-export the dataset with embedded images`);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private async readGroup(group: number): Promise<(Uint8Array | null)[]> {
    const rows = await parquetReadObjects({
      file: this.pq.file,
      metadata: this.pq.metadata,
      columns: [this.column],
      rowStart: this.starts[group],
      rowEnd: this.starts[group + 1],
      utf8: false,
      compressors,
    });
    return rows.map((r) => {
      const v = r[this.column] as { bytes?: unknown } | null;
      return v?.bytes instanceof Uint8Array ? v.bytes : null;
    });
  }
}
