/**
 * The rows the probes and every method draw from. Usually the train split alone (train and validation
 * rows both drawn from it, disjoint); for a dataset that names its own validation rows (CoOp split files,
 * Dataset.validationSplit) the train split then the val split, one pool whose row T + j is val row j, so
 * the fits, the methods and the feature export see one pool either way.
 */
import { planProbeDraws, type ProbeDraws, type Shots } from '../evaluation/linear-probe.ts';

export interface ProbeRowLabels {
  trainLabels: Int32Array | null;
  /** The val split's labels when the dataset names it as the validation pool; else null. */
  valLabels: Int32Array | null;
}

/** The pool's labels: train rows, then the validation list's rows when there is one. */
export function poolLabelsOf({ trainLabels, valLabels }: ProbeRowLabels): Int32Array {
  if (!trainLabels) throw new Error('poolLabelsOf: no train split');
  if (!valLabels) return trainLabels;
  const out = new Int32Array(trainLabels.length + valLabels.length);
  out.set(trainLabels);
  out.set(valLabels, trainLabels.length);
  return out;
}

export function planPoolDraws(rows: ProbeRowLabels, numClasses: number, shots: Shots[], seeds: number[]): ProbeDraws {
  return planProbeDraws(rows.trainLabels!, numClasses, shots, seeds, rows.valLabels ?? undefined);
}

/** Where the probes' validation rows came from, for the dataset's record. */
export function probePoolRecord(rows: ProbeRowLabels): 'train' | 'train+val' | 'none' {
  return !rows.trainLabels ? 'none' : rows.valLabels ? 'train+val' : 'train';
}

/**
 * Features of the drawn pool rows `poolIdx` (sorted), in that order: the train split's rows, then the
 * val split's (pool row T + j is val row j), each extracted (and cached) from its own split.
 */
export async function extractPoolRows(
  rows: ProbeRowLabels,
  poolIdx: Int32Array,
  extract: (split: 'train' | 'val', indices: Int32Array) => Promise<{ features: Float32Array }>,
): Promise<Float32Array> {
  const T = rows.trainLabels!.length;
  let cut = 0;
  while (cut < poolIdx.length && poolIdx[cut] < T) cut++;
  const train = await extract('train', poolIdx.subarray(0, cut));
  if (cut === poolIdx.length) return train.features;
  const val = await extract('val', poolIdx.slice(cut).map((i) => i - T));
  const out = new Float32Array(train.features.length + val.features.length);
  out.set(train.features);
  out.set(val.features, train.features.length);
  return out;
}
