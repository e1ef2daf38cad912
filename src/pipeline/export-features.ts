import { join } from 'node:path';
import { encodeNpy } from '../util/npy.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import type { ProbeDraws, Shots } from '../evaluation/linear-probe.ts';
import type { ProbeResult } from '../results/schema.ts';

interface Part {
  features: Float32Array;
  dim: number;
  indices: Int32Array;
  labels: Int32Array;
}

/**
 * `--export-features`: the exact features and labels a run used, as .npy, for outside checks
 * (e.g. bench/dev/sklearn-parity.py). pool = the k-shot draw pool (train split rows used by any draw).
 * draws.json says which pool rows each (shots, seed) drew for train and for validation, and the C it
 * ended with, so any probe can be refitted outside the harness: rows are indices into the train split,
 * i.e. values of train_indices.npy.
 */
export async function exportFeatures(
  dir: string,
  parts: {
    pool: Part | null;
    test: Part;
    classes: readonly string[];
    draws?: ProbeDraws;
    probes?: ProbeResult[];
    /** The zero-shot head: unit class embeddings [K, d] and the logit scale s (what every method starts from). */
    zeroShot?: { W: Float32Array; scale: number } | null;
    /** Set when the pool runs on into the val split (a dataset's own validation list): pool row valOffset + j is val row j. */
    valOffset?: number;
    /** Each --methods method's chosen hyperparameters per (shots, seed). */
    methods?: Map<string, Map<Shots, { seed: number; fit: { hyperparameters: Record<string, number>; selection: string } }[]>>;
  },
): Promise<void> {
  const write = async (name: string, p: Part) => {
    await writeFileAtomic(join(dir, `${name}_features.npy`), encodeNpy(p.features, [p.indices.length, p.dim]));
    await writeFileAtomic(join(dir, `${name}_labels.npy`), encodeNpy(p.labels, [p.labels.length]));
    await writeFileAtomic(join(dir, `${name}_indices.npy`), encodeNpy(p.indices, [p.indices.length]));
  };
  await write('test', parts.test);
  if (parts.pool) await write('train', parts.pool);
  await writeFileAtomic(join(dir, 'classes.json'), JSON.stringify(parts.classes, null, 1));
  if (parts.zeroShot) {
    const K = parts.classes.length;
    await writeFileAtomic(join(dir, 'zeroshot_head.npy'), encodeNpy(parts.zeroShot.W, [K, parts.zeroShot.W.length / K]));
    await writeFileAtomic(join(dir, 'zeroshot.json'), JSON.stringify({ logitScale: parts.zeroShot.scale, note: 'zero-shot logits = logitScale · normalise(f) · zeroshot_headᵀ; zeroshot_head rows are the unit prompt-ensembled class embeddings' }, null, 1));
  }
  if (parts.draws) {
    const draws = [...parts.draws].flatMap(([shots, list]) =>
      list.map(({ seed, sample }) => {
        const fit = parts.probes?.find((p) => p.shots === shots)?.perSeed.find((s) => s.seed === seed);
        const methods = Object.fromEntries(
          [...(parts.methods ?? [])].flatMap(([name, perShots]) => {
            const m = perShots.get(shots)?.find((x) => x.seed === seed);
            return m ? [[name, { ...m.fit.hyperparameters, selection: m.fit.selection }]] : [];
          }),
        );
        return { shots, seed, train: Array.from(sample.train), val: Array.from(sample.val), C: fit?.C ?? null, cSelection: fit?.cSelection ?? null, ...(parts.methods ? { methods } : {}) };
      }),
    );
    const rows =
      parts.valOffset === undefined
        ? 'rows are train-split indices (values of train_indices.npy)'
        : `rows are pool indices (values of train_indices.npy): below ${parts.valOffset} a train-split row, ${parts.valOffset} + j the val split's row j (the dataset's own validation list)`;
    await writeFileAtomic(join(dir, 'draws.json'), JSON.stringify({ note: `${rows}; refit on train + val at C`, draws }));
  }
}
