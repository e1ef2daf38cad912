import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readResults } from '../../src/results/read.ts';
import { UserError } from '../../src/util/errors.ts';

describe('readResults', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'cb-read-'));
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  const rejection = async (path: string) => readResults(path).then(() => null, (e: unknown) => e);

  it('a missing file is a UserError naming it', async () => {
    const e = await rejection(join(tmp, 'absent.json'));
    expect(e).toBeInstanceOf(UserError);
    expect((e as Error).message).toBe(`cannot read results file ${join(tmp, 'absent.json')}: ENOENT`);
  });

  it('a file that is not JSON is a UserError naming it', async () => {
    await writeFile(join(tmp, 'broken.json'), '{"schema": ');
    const e = await rejection(join(tmp, 'broken.json'));
    expect(e).toBeInstanceOf(UserError);
    expect((e as Error).message).toMatch(new RegExp(`^${join(tmp, 'broken.json')}: not valid JSON`));
  });

  it('JSON that does not match the schema is a UserError listing what is wrong', async () => {
    await writeFile(join(tmp, 'other.json'), '{"schema": "something else"}');
    const e = await rejection(join(tmp, 'other.json'));
    expect(e).toBeInstanceOf(UserError);
    expect((e as Error).message).toMatch(/does not match the results schema: .*must have required property/);
  });
});
