import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/util/errors.ts';
import { readOptionalTextFile, readTextFile } from '../../src/util/text-file.ts';

describe('text files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'text-file-'));
  writeFileSync(join(dir, 'a.txt'), 'héllo\n');

  it('reads the text as UTF-8', async () => {
    expect(await readTextFile(join(dir, 'a.txt'), 'caption file')).toBe('héllo\n');
  });

  it('a missing required file is one UserError naming the kind of file, the path and the code', async () => {
    const e = await readTextFile(join(dir, 'none.txt'), 'caption file').catch((x) => x);
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toBe(`cannot read caption file ${join(dir, 'none.txt')}: ENOENT`);
  });

  it('a missing optional file is undefined; one that exists but cannot be read is still an error', async () => {
    expect(await readOptionalTextFile(join(dir, 'none.txt'), 'webdataset file')).toBeUndefined();
    await expect(readOptionalTextFile(dir, 'webdataset file')).rejects.toThrow(`cannot read webdataset file ${dir}: EISDIR`);
  });
});
