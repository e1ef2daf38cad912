import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A sibling temp path, unique per call, so concurrent writers never share one. */
export function tempPathFor(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/**
 * Write a file atomically: temp file in the same directory, fsync, rename.
 * A crash leaves either the old file or the new one, never half of one.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Produce a file through `produce(tmpPath)` and move it into place only if it resolves.
 * Use for files written by streams or libraries that take a path.
 */
export async function produceFileAtomic<T>(path: string, produce: (tmpPath: string) => Promise<T>): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    const out = await produce(tmp);
    await rename(tmp, path);
    return out;
  } catch (e) {
    await rm(tmp, { force: true, recursive: true });
    throw e;
  }
}
