import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readClassNames, readTemplates } from '../../src/datasets/list-files.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from './fixtures.ts';

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir('clip-bench-lists-');
});
afterEach(() => dir.cleanup());

describe('templates and class-name files', () => {
  it('a JSON array of strings gives one template per element', async () => {
    const p = join(dir.path, 't.json');
    await writeFile(p, JSON.stringify(['a photo of a {}.', 'a sketch of a {}.']));
    expect(await readTemplates(p)).toEqual(['a photo of a {}.', 'a sketch of a {}.']);
  });

  it('a plain file gives one template per line, skipping blank lines and # comments', async () => {
    const p = join(dir.path, 't.txt');
    await writeFile(p, '# mine\na photo of a {}.\n\n  a drawing of a {}.  \n');
    expect(await readTemplates(p)).toEqual(['a photo of a {}.', 'a drawing of a {}.']);
  });

  it('a JSON object is an error, not one literal template', async () => {
    const p = join(dir.path, 't.json');
    await writeFile(p, JSON.stringify({ templates: ['a photo of a {}.'] }));
    const err = await readTemplates(p).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe(`${p}: a JSON object, not a list of templates; give a JSON array of strings, or one entry per line`);
  });

  it('class names must match the dataset class count', async () => {
    const p = join(dir.path, 'c.txt');
    await writeFile(p, 'cat\ndog\n');
    await expect(readClassNames(p, 3)).rejects.toThrow(`${p}: 2 class names, the dataset has 3 classes (same order required)`);
  });
});
