import { Worker } from 'node:worker_threads';
import { deserializeError, type SerializedError } from '../util/errors.ts';
import { preprocessBatch, type PreprocessJob } from './preprocess-batch.ts';

export interface PreprocessPoolOptions {
  /**
   * Run jobs on the main thread until a worker has started (loading its modules takes 0.3–1.5 s), so
   * the encoder starts on the first batch at once instead of waiting for the workers. Default false.
   */
  inlineUntilReady?: boolean;
}

/**
 * Preprocessing off the main thread, so decoding/resizing overlaps with ONNX inference.
 * With size 0 every job runs inline (tests, single-core runs).
 */
export class PreprocessPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve: (a: Float32Array) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private rr = 0;
  private closing = false;
  private started = 0;
  /** Jobs run on the main thread while no worker had started (inlineUntilReady). */
  inlineJobs = 0;

  constructor(
    readonly size: number,
    private readonly options: PreprocessPoolOptions = {},
  ) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(new URL('./preprocess-worker.mjs', import.meta.url));
      w.on('message', (msg: { id: number; ready?: true; out?: Float32Array; error?: SerializedError }) => {
        if (msg.ready) {
          this.started++;
          return;
        }
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.error !== undefined) p.reject(deserializeError(msg.error));
        else p.resolve(msg.out!);
      });
      w.on('error', (e) => this.failAll(e));
      // A worker that dies without an 'error' event (killed, out of memory) must not leave its jobs hanging.
      w.on('exit', (code) => {
        if (!this.closing) this.failAll(new Error(`preprocessing worker exited with code ${code}`));
      });
      this.workers.push(w);
    }
  }

  run(job: PreprocessJob): Promise<Float32Array> {
    if (this.size === 0) return preprocessBatch(job);
    if (this.options.inlineUntilReady && this.started === 0) {
      this.inlineJobs++;
      return preprocessBatch(job);
    }
    const id = this.nextId++;
    // Copy pixel data: a view into a larger buffer would otherwise be cloned whole.
    const images = job.images.map((img) => ({ ...img, data: img.data.slice() }));
    const worker = this.workers[this.rr++ % this.size];
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, job: { ...job, images } }, images.map((img) => img.data.buffer as ArrayBuffer));
    });
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
