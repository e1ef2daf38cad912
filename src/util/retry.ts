/**
 * When to try a download again and how long to wait first: capped exponential backoff with
 * "equal jitter" (half the step fixed, half drawn; AWS Architecture Blog, "Exponential Backoff and
 * Jitter", 2015), the draws seeded so a run's waits are reproducible, and a server's Retry-After
 * (RFC 9110 §10.2.3: seconds or an HTTP date) honoured on 429 and 503.
 */
import { Rng } from './rng.ts';

export interface RetryPolicy {
  /** Tries after the first (default 4). */
  retries: number;
  /** First backoff step in ms (default 1000); step k is base·2^k, capped at maxDelayMs. */
  baseDelayMs: number;
  /** Cap of one backoff step (default 30 s). */
  maxDelayMs: number;
  /** Longest Retry-After honoured (default 120 s); a server asking for more fails the download at once. */
  maxRetryAfterMs: number;
  /** No body bytes for this long aborts the attempt (default 30 s); also the limit for the response headers. */
  stallTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 4, baseDelayMs: 1000, maxDelayMs: 30_000, maxRetryAfterMs: 120_000, stallTimeoutMs: 30_000 };

/** HTTP statuses worth another try: timeouts, rate limits, server and gateway errors. */
const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUS.has(status);
}

/** Seconds or an HTTP date → ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The waits before retry 1, 2, …: step/2 + U[0, step/2), step = min(max, base·2^k), drawn from an Rng seeded by `seed`. */
export function backoffDelays(policy: Pick<RetryPolicy, 'retries' | 'baseDelayMs' | 'maxDelayMs'>, seed: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: policy.retries }, (_, k) => {
    const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** k);
    return Math.round(step / 2 + rng.next() * (step / 2));
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
