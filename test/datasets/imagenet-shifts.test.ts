import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGENET_SHIFT_LAYOUTS } from '../../src/datasets/formats/imagenet-shifts.ts';
import { imagenetShiftPlan } from '../../src/datasets/imagenet-natural-shifts.ts';
import { IMAGENET_CLASSNAMES } from '../../src/datasets/imagenet-metadata.ts';
import { IMAGENET_A_WNIDS, IMAGENET_R_WNIDS } from '../../src/datasets/imagenet-subsets.ts';
import { IMAGENET_WNIDS } from '../../src/datasets/imagenet-wnids.ts';
import { IMAGENET_SHIFT_NAMES } from '../../src/datasets/natural-shifts.ts';
import { openDataset } from '../../src/datasets/resolve.ts';
import { restrictToClasses } from '../../src/evaluation/metrics.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from './fixtures.ts';
import { encodeImage, writeTree } from './user-fixtures.ts';

const MAPPINGS = join(import.meta.dirname, '..', 'fixtures', 'objectnet', 'mappings');
let dir: { path: string; cleanup: () => Promise<void> };
const at = (...p: string[]) => join(dir.path, ...p);

/** `layout`: relative folder → number of images; each a w×h PNG. */
async function tree(root: string, layout: Record<string, number>, w = 6, h = 5) {
  const files: Record<string, Buffer> = {};
  for (const [folder, n] of Object.entries(layout)) for (let i = 0; i < n; i++) files[`${folder}/${i}.png`] = await encodeImage({ w, h, value: 30 + 20 * i });
  await writeTree(root, files);
}

beforeAll(async () => {
  dir = await tempDir('clip-bench-imagenet-shifts-');
  await tree(at('v2'), { '0': 2, '278': 1, '999': 1 });
  await tree(at('sketch-zip'), { 'sketch/n01440764': 1, 'sketch/n15075141': 2 });
  await tree(at('r'), { [IMAGENET_R_WNIDS[0]]: 2, [IMAGENET_R_WNIDS[199]]: 1 });
  await tree(at('a'), { [IMAGENET_A_WNIDS[0]]: 1, [IMAGENET_A_WNIDS[5]]: 1 });
  await tree(at('on', 'objectnet-1.0', 'images'), { alarm_clock: 2, banana: 1, air_freshener: 2 }, 10, 8);
  await cp(MAPPINGS, at('on', 'objectnet-1.0', 'mappings'), { recursive: true });
});
afterAll(() => dir.cleanup());

describe('the published class sets', () => {
  it('ImageNet-R and ImageNet-A: 200 real synset ids each (wise-ft CLASS_SUBLIST), first and last checked by hand', () => {
    expect(IMAGENET_WNIDS).toHaveLength(1000);
    expect([...IMAGENET_WNIDS].sort()).toEqual(IMAGENET_WNIDS);
    expect(new Set(IMAGENET_R_WNIDS).size).toBe(200);
    expect(new Set(IMAGENET_A_WNIDS).size).toBe(200);
    // CLASS_SUBLIST starts 1, 2 (R) and 6, 11 (A): goldfish n01443537, great white shark n01484850; stingray n01498041, goldfinch n01531178.
    expect(IMAGENET_R_WNIDS.slice(0, 2)).toEqual(['n01443537', 'n01484850']);
    expect(IMAGENET_A_WNIDS.slice(0, 2)).toEqual(['n01498041', 'n01531178']);
    expect(IMAGENET_R_WNIDS[199]).toBe(IMAGENET_WNIDS[988]);
  });

  it('the five --shift names are the five readers\' format names', () => {
    expect(IMAGENET_SHIFT_NAMES).toEqual([...IMAGENET_SHIFT_LAYOUTS.map((l) => l.name), 'objectnet']);
  });

  it('ObjectNet: 113 classes over 125 ImageNet classes, none shared; "Alarm clock" is analog clock (409) and digital clock (530)', async () => {
    const plan = await imagenetShiftPlan('objectnet', at('on'));
    const groups = plan.restriction!.groups!;
    expect(groups).toHaveLength(113);
    expect(groups.flat()).toHaveLength(125);
    expect(new Set(groups.flat()).size).toBe(125);
    expect(groups[0]).toEqual([409, 530]); // alarm_clock sorts first among the 113 folders
    expect(plan.toImagenet[0]).toBe(409);
    expect(plan.restriction!.keep.filter(Boolean)).toHaveLength(113);
  });
});

describe('restricting ImageNet logits (wise-ft project_logits)', () => {
  // Two rows over K = 6 classes.
  const scores = Float32Array.from([0.9, 0.1, 0.5, 0.8, 0.2, 0.3, /**/ 0.1, 0.7, 0.2, 0.3, 0.6, 0.0]);
  it('a subset keeps its classes\' logits and rules out the rest', () => {
    const keep = [false, true, true, false, true, false];
    const out = restrictToClasses(scores, 6, { keep });
    expect([...out]).toEqual([-Infinity, 0.1, 0.5, -Infinity, 0.2, -Infinity, -Infinity, 0.7, 0.2, -Infinity, 0.6, -Infinity].map((x) => Math.fround(x)));
  });
  it('groups score as the max over their members, in the first member\'s column (ObjectNet)', () => {
    // Group A = classes {3, 0}, group B = {1, 5}; classes 2 and 4 are not ObjectNet's.
    const keep = [false, false, false, true, false, false];
    keep[1] = true;
    const out = restrictToClasses(scores, 6, { keep, groups: [[3, 0], [1, 5]] });
    // By hand: row 0: A = max(0.8, 0.9) = 0.9, B = max(0.1, 0.3) = 0.3 → A; row 1: A = max(0.3, 0.1) = 0.3, B = max(0.7, 0.0) = 0.7 → B.
    expect([...out]).toEqual([-Infinity, 0.3, -Infinity, 0.9, -Infinity, -Infinity, -Infinity, 0.7, -Infinity, 0.3, -Infinity, -Infinity].map((x) => Math.fround(x)));
  });
});

describe('the shifts\' published layouts as datasets', () => {
  it('imagenetv2: class-index folders are ImageNet class indices', async () => {
    const ds = await openDataset(`imagenetv2:${at('v2')}`);
    expect(ds.classes).toEqual(IMAGENET_CLASSNAMES);
    expect([...(await ds.labels('test'))]).toEqual([0, 0, 278, 999]);
    expect(ds.templates).toHaveLength(80);
  });

  it('imagenet-sketch: sketch/<wnid>/ inside the given folder', async () => {
    const ds = await openDataset(`imagenet-sketch:${at('sketch-zip')}`);
    expect([...(await ds.labels('test'))]).toEqual([0, 999, 999]);
  });

  it('imagenet-r and imagenet-a: their 200 classes, named with the curated ImageNet names', async () => {
    const r = await openDataset(`imagenet-r:${at('r')}`);
    expect(r.classes).toHaveLength(200);
    expect(r.classes[0]).toBe('goldfish');
    expect([...(await r.labels('test'))]).toEqual([0, 0, 199]);
    const a = await openDataset(`imagenet-a:${at('a')}`);
    expect([...(await a.labels('test'))]).toEqual([0, 5]);
  });

  it('objectnet: the mapped folders only, classes in sorted folder order, each image cropped by 2 px a side', async () => {
    const ds = await openDataset(`objectnet:${at('on')}`);
    expect(ds.classes).toHaveLength(113);
    expect(ds.classes[0]).toBe('alarm clock');
    const labels = [...(await ds.labels('test'))];
    expect(labels).toEqual([0, 0, ds.classes.indexOf('banana')]); // air_freshener is not mapped to ImageNet
    for await (const ex of ds.read('test', [0])) expect([ex.image.width, ex.image.height]).toEqual([6, 4]);
    const plain = await openDataset(`folder:${at('on', 'objectnet-1.0', 'images')}`);
    expect(ds.identity('test')).not.toBe(plain.identity('test'));
  });
});

describe('bad input: one UserError naming the file or folder', () => {
  it('a folder outside the layout\'s classes', async () => {
    await tree(at('r-bad'), { [IMAGENET_R_WNIDS[0]]: 1, n01440764: 1 }); // tench is not an ImageNet-R class
    const r = await openDataset(`imagenet-r:${at('r-bad')}`).catch((e) => e);
    expect(r).toBeInstanceOf(UserError);
    expect(r.message).toBe(`${at('r-bad', 'n01440764')}: not one of ImageNet-R's class folders; ${at('r-bad')} should hold the synset folders of ImageNet-R's 200 classes`);
    await tree(at('v2-bad'), { '0': 1, '1000': 1 });
    const v2 = await openDataset(`imagenetv2:${at('v2-bad')}`).catch((e) => e);
    expect(v2.message).toMatch(new RegExp(`^${at('v2-bad', '1000').replace(/[.]/g, '\\.')}: not one of ImageNetV2's class folders`));
  });

  it('an ObjectNet folder its mapping does not name, and a missing mapping file', async () => {
    await tree(at('on', 'objectnet-1.0', 'images'), { not_a_class: 1 });
    const folder = await openDataset(`objectnet:${at('on')}`).catch((e) => e);
    await rm(at('on', 'objectnet-1.0', 'images', 'not_a_class'), { recursive: true });
    expect(folder).toBeInstanceOf(UserError);
    expect(folder.message).toMatch(/not_a_class: not a folder of .*folder_to_objectnet_label\.json; is this ObjectNet's images\/ folder\?$/);
    const map = at('on', 'objectnet-1.0', 'mappings', 'objectnet_to_imagenet_1k.json');
    await rm(map);
    const missing = await openDataset(`objectnet:${at('on')}`).catch((e) => e);
    await cp(join(MAPPINGS, 'objectnet_to_imagenet_1k.json'), map);
    expect(missing).toBeInstanceOf(UserError);
    expect(missing.message).toBe(`${map}: no such file; ObjectNet's mappings/ folder (objectnet-1.0/mappings) holds it`);
  });
});
