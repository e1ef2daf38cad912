/** What every `npm run features` command shares: its program name and the cache-dir flag. */
import { UserError } from '../util/errors.ts';
import { resolveFeatureCacheDir } from '../util/paths.ts';
import { checkOutputDir } from './output-paths.ts';
import type { Flags } from './toolkit.ts';

export const FEATURES_PROG = 'npm run features --';

export const CACHE_DIR = {
  'cache-dir': { type: 'string', value: '<dir>', help: "feature cache (default .cache/features, as bench's --cache-dir)" },
} satisfies Flags;

export function cacheDirOf(v: { 'cache-dir'?: string }, writable: boolean): string {
  const dir = resolveFeatureCacheDir(v['cache-dir']);
  checkOutputDir({ flag: v['cache-dir'] ? '--cache-dir' : 'feature cache', path: v['cache-dir'] ?? dir, writable });
  return dir;
}

export function noPositionals(positionals: string[], cmd: string): void {
  if (positionals.length) throw new UserError(`${cmd} takes no arguments (got ${positionals.join(' ')}); see: ${FEATURES_PROG} ${cmd} --help`);
}
