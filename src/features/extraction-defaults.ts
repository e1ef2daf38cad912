/**
 * Extraction settings per core count, chosen so the pipeline keeps the encoder's own throughput.
 * onnxruntime-node's session.run blocks the calling (main) thread, which is also one of the intra-op
 * threads: preprocessing on the main thread cannot overlap with encoding, so it goes to a worker thread.
 * That worker shares the cores with the intra-op threads, so they must not spin: a spinning thread
 * burns the core the worker needs, and a worker that preempts a thread inside a parallel section
 * stalls the others at its barrier (the ViT-B/32 pipeline: 0.86 of encode-only with spinning; see
 * docs/extraction.md for the figures). Decoding and resizing costs about 1.8 ms per CIFAR image on one
 * core, so one worker keeps up with an encoder of up to ~500 img/s; beyond 16 cores a second one is added.
 */
import { availableParallelism } from 'node:os';

export interface ExtractionDefaults {
  /** onnxruntime intra-op threads per session. */
  threads: number;
  /** Preprocessing worker threads (0: on the main thread, between encoder runs). */
  workers: number;
  /** Images per encoder call. */
  batchSize: number;
  /** Whether onnxruntime's intra-op threads busy-wait between parallel sections. */
  spinning: boolean;
}

export function extractionDefaults(cores: number = availableParallelism()): ExtractionDefaults {
  const c = Math.max(1, Math.floor(cores));
  return {
    threads: c,
    // One core: a worker could only take turns with the encoder; inline saves its start-up and copies.
    workers: c === 1 ? 0 : Math.max(1, Math.floor(c / 16)),
    batchSize: 32,
    spinning: false,
  };
}
