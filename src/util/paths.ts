import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in src/util/). */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Where fetched and converted datasets live: `--data-dir` flag > env CLIP_BENCH_DATA >
 * `<project root>/datasets/` (git-ignored). Relative values resolve against the working directory.
 */
export function resolveDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.CLIP_BENCH_DATA) return resolve(env.CLIP_BENCH_DATA);
  return resolve(PROJECT_ROOT, 'datasets');
}

/** The feature cache root: `--cache-dir` flag > `<project root>/.cache/features/` (git-ignored). */
export function resolveFeatureCacheDir(flag?: string | null): string {
  return flag ? resolve(flag) : resolve(PROJECT_ROOT, '.cache', 'features');
}
