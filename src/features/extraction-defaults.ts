/**
 * Extraction settings per core count, chosen so the pipeline keeps the encoder's own throughput
 * (docs/extraction.md has the measurements and the reasoning).
 *
 * onnxruntime-node 1.30's session.run is synchronous on the calling (main) thread, which is also one of
 * the intra-op threads: preprocessing on the main thread cannot overlap with encoding, so the next batch
 * goes to a worker thread while the encoder runs. That worker shares the cores with the intra-op threads,
 * whose parallel sections end at a barrier: a worker that preempts one of them stalls all of them. So
 *  - the intra-op threads do not spin (a spinning thread burns the core the worker needs), and
 *  - the worker runs at nice +19: it takes the cores only while onnxruntime leaves them idle (between
 *    parallel sections, in its single-threaded ops); whatever it has not done when the encoder needs the
 *    batch, the main thread does (PendingBatch.take), so a starved worker cannot stall the pipeline.
 * Decoding and resizing costs about 0.8 ms per CIFAR image on one core: one worker keeps up with an
 * encoder of ~1,200 img/s; a worker per 16 cores adds room for costlier images (JPEG decoding) on large
 * machines, at no cost to the encoder at nice +19.
 */
import { availableParallelism } from 'node:os';

/** When preprocessing runs relative to the encoder (extractImageFeatures' `schedule`). */
export type PreprocessSchedule = 'overlap' | 'phased';

export interface ExtractionDefaults {
  /** onnxruntime intra-op threads per session. */
  threads: number;
  /** Preprocessing worker threads (0: on the main thread, between encoder runs). */
  workers: number;
  /** Images per encoder call. */
  batchSize: number;
  /** Whether onnxruntime's intra-op threads busy-wait between parallel sections. */
  spinning: boolean;
  /** 'overlap': workers preprocess while the encoder runs; 'phased': all threads preprocess between runs. */
  schedule: PreprocessSchedule;
  /** Nice increment of the preprocessing workers over the main thread (PreprocessPool's `nice`). */
  workerNice: number;
}

export function extractionDefaults(cores: number = availableParallelism()): ExtractionDefaults {
  const c = Math.max(1, Math.floor(cores));
  return {
    threads: c,
    // One or two cores: preprocessing inline between encoder runs. Measured on 2 idle cores (docs/extraction.md,
    // 2026-12-07 14:54 UTC, after the faster resize): inline 0.960 of encode-only against 0.901 for a nice +19
    // worker overlapping the encoder, whose preemptions of the intra-op threads cost more than the serial ~3%
    // inline pays. With more cores the encoder is faster, so inline's serial share grows and a worker overlaps instead.
    workers: c <= 2 ? 0 : Math.max(1, Math.floor(c / 16)),
    batchSize: 32,
    spinning: false,
    schedule: 'overlap',
    workerNice: 19,
  };
}
