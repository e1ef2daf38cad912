import { join } from 'node:path';
import { encodeNpy } from '../util/npy.ts';
import { writeFileAtomic } from '../util/atomic.ts';

interface Part {
  features: Float32Array;
  dim: number;
  indices: Int32Array;
  labels: Int32Array;
}

/**
 * `--export-features`: the exact features and labels a run used, as .npy, for outside checks
 * (e.g. bench/dev/sklearn-parity.py). pool = the k-shot draw pool (train split rows used by any draw).
 */
export async function exportFeatures(dir: string, parts: { pool: Part | null; test: Part; classes: readonly string[] }): Promise<void> {
  const write = async (name: string, p: Part) => {
    await writeFileAtomic(join(dir, `${name}_features.npy`), encodeNpy(p.features, [p.indices.length, p.dim]));
    await writeFileAtomic(join(dir, `${name}_labels.npy`), encodeNpy(p.labels, [p.labels.length]));
    await writeFileAtomic(join(dir, `${name}_indices.npy`), encodeNpy(p.indices, [p.indices.length]));
  };
  await write('test', parts.test);
  if (parts.pool) await write('train', parts.pool);
  await writeFileAtomic(join(dir, 'classes.json'), JSON.stringify(parts.classes, null, 1));
}
