// Type-checked (not run) against the installed package's .d.ts: the API's types reach a TypeScript consumer.
import { openDataset, openModel, extractImageFeatures, readResults, type BenchResults, type Dataset, type ExtractResult } from 'clip-bench';

const ds: Dataset = await openDataset('cifar10', { fetch: false });
const model = await openModel('models/demo-clip', { threads: 1 });
const test: ExtractResult = await extractImageFeatures({ encoder: model, dataset: ds, split: 'test', cacheRoot: null });
const dim: number = test.dim;
const results: BenchResults = await readResults('results.json');
const top1: number | undefined = results.datasets[0]?.probes[0]?.top1.mean;
// @ts-expect-error: a split is 'train' | 'val' | 'test'
await ds.labels('validation');
export { dim, top1 };
