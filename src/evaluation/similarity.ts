/**
 * Blockwise similarity: Q·Iᵀ for a block of query rows at a time, so a 25,000 × 5,000 retrieval never holds
 * the whole score matrix (memory = blockRows × items floats). The product runs on onnxruntime's float32
 * MatMul (MLAS: vectorised, multi-threaded) through the native binding, synchronously; where the binding does
 * not load, a JS kernel gives the same products (slower).
 */
import { GraphBuilder } from '../model/onnx/builder.ts';
import { loadOrt, nativeSession, type NativeSession } from './probe/ort-native.ts';

/** Rows of the query matrix per product: 256 × 5,000 floats = 5 MB per block. */
export const DEFAULT_BLOCK_ROWS = 256;

export interface SimilarityOptions {
  /** Query rows per block (memory bound: blockRows × items floats). */
  blockRows?: number;
  /** onnxruntime intra-op threads (default 1). */
  threads?: number;
  /** Force the JS kernel (tests, or a missing native binding). */
  js?: boolean;
}

const sessions = new Map<number, NativeSession>();

function matmulSession(threads: number): NativeSession {
  let s = sessions.get(threads);
  if (!s) {
    const g = new GraphBuilder('similarity');
    g.input('Q', 'float32', ['p', 'd']);
    g.input('IT', 'float32', ['d', 'q']);
    g.node('MatMul', ['Q', 'IT'], ['S']);
    g.output('S', 'float32', ['p', 'q']);
    s = nativeSession(g.toModelBytes({ opset: 17 }), threads);
    sessions.set(threads, s);
  }
  return s;
}

/** [n, d] → [d, n] (into `out`, e.g. a Float64Array to widen): the items transposed once, so every block is a plain MatMul. */
export function transpose<T extends Float32Array | Float64Array = Float32Array>(x: ArrayLike<number>, n: number, d: number, out: T = new Float32Array(n * d) as T): T {
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[j * n + i] = x[i * d + j];
  return out;
}

/** out[r, c] = Σ_j q[r, j] · itemsT[j, c]: a cache-friendly JS product (rows of itemsT streamed). */
function jsBlock(q: Float32Array, rows: number, itemsT: Float32Array, items: number, d: number, out: Float32Array): void {
  out.fill(0, 0, rows * items);
  for (let r = 0; r < rows; r++) {
    const o = r * items;
    for (let j = 0; j < d; j++) {
      const a = q[r * d + j];
      if (a === 0) continue;
      const t = j * items;
      for (let c = 0; c < items; c++) out[o + c] += a * itemsT[t + c];
    }
  }
}

/**
 * Calls `visit(block, firstRow, rows)` for consecutive blocks of queries·itemsᵀ (row-major [rows, items]).
 * `block` is reused between calls: copy what must outlive the visit.
 */
export function forEachSimilarityBlock(
  queries: Float32Array,
  numQueries: number,
  items: Float32Array,
  numItems: number,
  dim: number,
  visit: (block: Float32Array, firstRow: number, rows: number) => void,
  opts: SimilarityOptions = {},
): void {
  const blockRows = Math.max(1, opts.blockRows ?? DEFAULT_BLOCK_ROWS);
  const itemsT = transpose(items, numItems, dim);
  const ort = opts.js ? null : loadOrt();
  if (ort) {
    const session = matmulSession(opts.threads ?? 1);
    const T = ort.Tensor as unknown as new (type: string, data: Float32Array, dims: number[]) => unknown;
    const tI = new T('float32', itemsT, [dim, numItems]);
    for (let r0 = 0; r0 < numQueries; r0 += blockRows) {
      const rows = Math.min(blockRows, numQueries - r0);
      const tQ = new T('float32', queries.subarray(r0 * dim, (r0 + rows) * dim), [rows, dim]);
      const out = session.run({ Q: tQ, IT: tI }, { S: null }, {}) as unknown as Record<'S', { data: Float32Array }>;
      visit(out.S.data, r0, rows);
    }
    return;
  }
  const block = new Float32Array(Math.min(blockRows, numQueries) * numItems);
  for (let r0 = 0; r0 < numQueries; r0 += blockRows) {
    const rows = Math.min(blockRows, numQueries - r0);
    jsBlock(queries.subarray(r0 * dim, (r0 + rows) * dim), rows, itemsT, numItems, dim, block);
    visit(block, r0, rows);
  }
}
