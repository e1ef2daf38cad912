/**
 * Output paths are checked before any heavy work, so a typo or an unwritable location costs a
 * second, not a run: a directory flag must not name a file (or sit under one), and must be
 * writable where it will be created. Writability is probed by creating and removing a file in the
 * nearest existing directory: permission bits do not tell about read-only mounts or pseudo
 * filesystems such as /proc and /sys, where a recursive mkdir can fail in ways that never settle.
 */
import { closeSync, openSync, readdirSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from '../util/errors.ts';

export interface DirCheck {
  /** How the user named it: '--out', '--cache-dir', or '--out (default)'. */
  flag: string;
  path: string;
  /** The path as the user gave it, for messages (default `path`). */
  shown?: string;
  /** It will be written to (default true). */
  writable?: boolean;
  /** Refuse an existing directory that already holds files unless `force` (for run directories). */
  mustBeEmpty?: boolean;
  force?: boolean;
}

const codeOf = (e: unknown) => (e as NodeJS.ErrnoException).code ?? String(e);
const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOENT: 'it takes no new files',
  ENOSPC: 'no space left',
};
const reason = (e: unknown) => `${REASONS[codeOf(e)] ?? 'error'}: ${codeOf(e)}`;

function statOrNull(path: string, c: DirCheck): Stats | null {
  try {
    return statSync(path, { throwIfNoEntry: false }) ?? null;
  } catch (e) {
    // ENOTDIR: a component of the path is a file; the walk up finds which one.
    if (codeOf(e) === 'ENOTDIR') return null;
    throw new UserError(`${c.flag} ${c.path}: cannot look at ${path} (${codeOf(e)})`);
  }
}

function probeWritable(dir: string, c: DirCheck, target: string): void {
  const probe = join(dir, `.clip-bench-write-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    closeSync(openSync(probe, 'wx'));
  } catch (e) {
    const where = dir === target ? target : `${dir}, so ${target} cannot be created there`;
    throw new UserError(`${c.flag} ${c.path}: cannot write in ${where} (${reason(e)}); choose a writable directory`);
  }
  unlinkSync(probe);
}

/** Check one directory flag; throws a UserError naming the flag and what to do. */
export function checkOutputDir(check: DirCheck): void {
  const c = { ...check, path: check.shown ?? check.path };
  const target = resolve(check.path);
  const st = statOrNull(target, c);
  if (st && !st.isDirectory()) throw new UserError(`${c.flag} ${c.path}: ${target} is a file, not a directory; choose a directory`);
  if (st) {
    if (c.mustBeEmpty && !c.force) {
      let entries: string[];
      try {
        entries = readdirSync(target);
      } catch (e) {
        throw new UserError(`${c.flag} ${c.path}: cannot list ${target} (${codeOf(e)}); choose a writable directory`);
      }
      if (entries.length > 0) {
        const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', …' : '');
        throw new UserError(`${c.flag} ${c.path}: ${target} already holds files (${shown}); choose a new directory, or pass --force to write into it`);
      }
    }
    if (c.writable !== false) probeWritable(target, c, target);
    return;
  }
  let ancestor = dirname(target);
  let ast = statOrNull(ancestor, c);
  while (!ast && dirname(ancestor) !== ancestor) {
    ancestor = dirname(ancestor);
    ast = statOrNull(ancestor, c);
  }
  if (ast && !ast.isDirectory()) throw new UserError(`${c.flag} ${c.path}: ${ancestor} is a file, so ${target} cannot be created; choose a directory`);
  if (c.writable !== false) probeWritable(ancestor, c, target);
}

/** Check an output file flag (`--out sheet.png`): not a directory, and its directory can be created and written. */
export function checkOutputFile(flag: string, path: string): void {
  const target = resolve(path);
  if (statOrNull(target, { flag, path })?.isDirectory()) throw new UserError(`${flag} ${path}: ${target} is a directory; give a file name`);
  checkOutputDir({ flag, path: dirname(target), shown: path });
}
