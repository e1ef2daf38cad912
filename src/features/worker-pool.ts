import { Worker } from 'node:worker_threads';
import { deserializeError, type SerializedError } from '../util/errors.ts';
import { extractionDefaults } from './extraction-defaults.ts';
import { CLAIM_SLOTS, FINISHED, NEXT, pixelsPerImage, preprocessBatch, preprocessClaimed, type PreprocessJob } from './preprocess-batch.ts';

export interface PreprocessPoolOptions {
  /**
   * Run jobs on the main thread until a worker has started (loading its modules takes 0.3–1.5 s), so
   * the encoder starts on the first batch at once instead of waiting for the workers. Default false.
   */
  inlineUntilReady?: boolean;
  /**
   * Nice increment (0–19) the worker threads give themselves over the main thread's (Linux; elsewhere
   * ignored; the result at most 19, the lowest priority). At 19 a worker takes a
   * core only while onnxruntime's threads leave it idle, instead of preempting one of them inside a parallel
   * section, where the others would wait for it at the section's barrier. A starved worker cannot stall the
   * pipeline: the main thread preprocesses whatever the worker has not taken (PendingBatch.take).
   * Default: extractionDefaults().workerNice.
   */
  nice?: number;
}

/** Spare tensors kept per kind: the batches in flight at once (extractImageFeatures' `ahead`) and one more. */
const SPARE_LIMIT = 4;

/** A batch handed to the pool: the workers preprocess it in the background until the main thread takes it. */
export interface PendingBatch {
  /**
   * The [n,3,H,W] tensor. The calling thread preprocesses every image no worker has claimed yet, then waits
   * only for the images a worker is in the middle of.
   */
  take(): Promise<Float32Array>;
  /** Images claimed so far, by a worker or the main thread (progress; tests). */
  claimed(): number;
}

/**
 * Preprocessing off the main thread, so decoding/resizing overlaps with ONNX inference. A batch lives in
 * shared memory; its images are claimed one at a time by the worker it was posted to and, once the encoder
 * needs it, by the main thread too. With size 0 every job runs inline (tests, single-core runs).
 */
export class PreprocessPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private rr = 0;
  private closing = false;
  private started = 0;
  /** Jobs run on the main thread while no worker had started (inlineUntilReady). */
  inlineJobs = 0;
  /** Images the main thread preprocessed of batches posted to a worker (it took them before the worker did). */
  imagesTakenByMain = 0;
  /**
   * Batch tensors handed back for reuse (recycle), ordinary and shared. A fresh tensor of 32 images at 224 is
   * 19 MB whose first write costs thousands of page faults (measured on 2 shared cores: 56 ms median at load 5,
   * against 1.7 ms into a reused one), paid per batch where encode-only reuses its input; every float of a
   * reused one is overwritten.
   */
  private readonly spare: Float32Array[] = [];
  private readonly spareShared: Float32Array[] = [];

  constructor(
    readonly size: number,
    private readonly options: PreprocessPoolOptions = {},
  ) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(new URL('./preprocess-worker.mjs', import.meta.url), { workerData: { nice: options.nice ?? extractionDefaults().workerNice } });
      w.on('message', (msg: { id: number; ready?: true; error?: SerializedError }) => {
        if (msg.ready) {
          this.started++;
          return;
        }
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.error !== undefined) p.reject(deserializeError(msg.error));
        else p.resolve();
      });
      w.on('error', (e) => this.failAll(e));
      // A worker that dies without an 'error' event (killed, out of memory) must not leave its jobs hanging.
      w.on('exit', (code) => {
        if (!this.closing) this.failAll(new Error(`preprocessing worker exited with code ${code}`));
      });
      this.workers.push(w);
    }
  }

  /** Resolves once every worker has loaded its modules (benchmarks that time the steady state). */
  async ready(): Promise<void> {
    while (this.started < this.size && !this.closing) await new Promise((r) => setTimeout(r, 10));
  }

  /** The job preprocessed now: by a worker and the calling thread together, or inline. */
  async run(job: PreprocessJob): Promise<Float32Array> {
    return this.submit(job).take();
  }

  /** Hand a job to the next worker (round robin), to preprocess until take(); inline when no worker can take it yet. */
  submit(job: PreprocessJob): PendingBatch {
    const n = job.images.length;
    const per = pixelsPerImage(job.cfg);
    if (this.size === 0 || (this.options.inlineUntilReady && this.started === 0)) {
      if (this.size > 0) this.inlineJobs++;
      let taken = false;
      return {
        take: () => ((taken = true), preprocessBatch(job, this.tensor(n * per, false))),
        claimed: () => (taken ? n : 0),
      };
    }
    // A fresh claim per batch (a worker's last, failing claim may land after take()); the pixels' memory is reused.
    const claim = new Int32Array(new SharedArrayBuffer(CLAIM_SLOTS * 4));
    const shared = this.tensor(n * per, true);
    const id = this.nextId++;
    const finished = new Promise<void>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    finished.catch(() => {}); // surfaced by take(); never an unhandled rejection meanwhile
    // Copy pixel data: a view into a larger buffer would otherwise be cloned whole.
    const images = job.images.map((img) => ({ ...img, data: img.data.slice() }));
    const worker = this.workers[this.rr++ % this.size];
    worker.postMessage({ id, job: { ...job, images }, claim, out: shared }, images.map((img) => img.data.buffer as ArrayBuffer));
    return {
      claimed: () => Math.min(n, Atomics.load(claim, NEXT)),
      take: async () => {
        // onnxruntime-node rejects tensors on shared memory: the main thread writes into an ordinary array
        // and copies the worker's images over.
        const out = this.tensor(n * per, false);
        const mine = new Uint8Array(n);
        this.imagesTakenByMain += await preprocessClaimed(job, claim, out, mine);
        if (Atomics.load(claim, FINISHED) < n) await finished; // the worker is in the middle of its last image
        for (let i = 0; i < n; i++) if (!mine[i]) out.set(shared.subarray(i * per, (i + 1) * per), i * per);
        // Every image is finished, so the worker writes no more into `shared`.
        if (this.spareShared.length < SPARE_LIMIT) this.spareShared.push(shared);
        return out;
      },
    };
  }

  /**
   * Hand back a tensor that take() or run() returned, once nothing reads it any more (the encoder has
   * returned): the next batch of the same size reuses its memory.
   */
  recycle(tensor: Float32Array): void {
    if (!(tensor.buffer instanceof SharedArrayBuffer) && this.spare.length < SPARE_LIMIT && !this.spare.includes(tensor)) this.spare.push(tensor);
  }

  private tensor(length: number, shared: boolean): Float32Array {
    const list = shared ? this.spareShared : this.spare;
    const i = list.findIndex((t) => t.length === length);
    if (i >= 0) return list.splice(i, 1)[0];
    return shared ? new Float32Array(new SharedArrayBuffer(length * 4)) : new Float32Array(length);
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
