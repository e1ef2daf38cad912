import { mkdir, readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import * as tar from 'tar';
import { UserError } from '../../util/errors.ts';

/**
 * Extract the members of a .tgz for which `want(path)` holds into `dest` and check that every
 * `required` member arrived. node-tar refuses absolute paths and `..`, so an archive cannot
 * write outside `dest`; `strict` turns a corrupt archive into an error instead of a warning.
 */
export async function extractMembers(
  archive: string,
  dest: string,
  want: (member: string) => boolean,
  required: readonly string[] = [],
): Promise<Set<string>> {
  await mkdir(dest, { recursive: true });
  const got = new Set<string>();
  try {
    await tar.x({
      file: archive,
      cwd: dest,
      strict: true,
      filter: (path) => {
        const ok = want(path);
        if (ok) got.add(path);
        return ok;
      },
    });
  } catch (e) {
    throw new UserError(`${archive} is not a readable .tgz archive (${(e as Error).message}); delete it and fetch again`);
  }
  const missing = required.filter((m) => !got.has(m));
  if (missing.length > 0) {
    throw new UserError(`${archive} lacks ${missing.join(', ')}: not the expected archive`);
  }
  return got;
}

/** Read a file, gunzipping it when it starts with the gzip magic (so .gz and raw both work). */
export async function readMaybeGzip(path: string): Promise<Buffer> {
  const buf = await readFile(path);
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      return gunzipSync(buf);
    } catch (e) {
      throw new UserError(`${path} is a damaged gzip file (${(e as Error).message}); replace it`);
    }
  }
  return buf;
}

