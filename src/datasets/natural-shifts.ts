import { readFile } from 'node:fs/promises';
import type { Dataset, LabeledImage, Split } from './types.ts';
import { UserError } from '../util/errors.ts';
import { sha256, stableStringify } from '../util/hash.ts';

/**
 * Natural distribution shifts: probes and the zero-shot head built for a source dataset, tested on
 * another dataset's images of the same classes (CLIP §3.3 tests ImageNet models on ImageNet-R, Sketch,
 * ObjectNet… through such class maps). A mapping lists, per source class, the target classes that
 * count as it; target classes not listed are left out of the shifted test set.
 */
export interface NaturalShift {
  /** What --shift calls it, e.g. "quickdraw". */
  name: string;
  source: string;
  target: string;
  /** source class → target classes. */
  mapping: Record<string, string[]>;
  note: string;
  /**
   * The published protocol's own scoring, when it has one (ImageNet-R/-A, ObjectNet): the source classes it
   * is scored over, whatever classes the user's copy holds. Without it, a copy missing classes is reported
   * both with the full classifier and restricted to the classes present.
   */
  restriction?: ClassRestriction;
}

/**
 * Which source classes a shifted test set is scored over: the others' logits are ruled out (wise-ft
 * `project_logits` keeps ImageNet-R's 200 of 1,000). `groups` merge classes: each group scores as the
 * max over its members' logits, held in its first member's column (ObjectNet: each of its 113 classes the
 * max over its mapped ImageNet logits), so a label is a group's first member.
 */
export interface ClassRestriction {
  keep: readonly boolean[];
  groups?: readonly (readonly number[])[];
}

/** Built-in pairs of this project's datasets. */
export const NATURAL_SHIFTS: readonly NaturalShift[] = [
  {
    name: 'quickdraw',
    source: 'cifar10',
    target: 'quickdraw',
    mapping: {
      airplane: ['airplane'],
      automobile: ['car'],
      bird: ['bird'],
      cat: ['cat'],
      dog: ['dog'],
      frog: ['frog'],
      horse: ['horse'],
      ship: ['cruise ship', 'sailboat'],
      truck: ['truck'],
    },
    note: 'photos → QuickDraw sketches of the 9 CIFAR-10 classes QuickDraw has (no deer)',
  },
  { name: 'digits', source: 'mnist', target: 'digits', mapping: digitMap(), note: '28×28 MNIST → 8×8 scikit-learn digits (low resolution)' },
  { name: 'mnist', source: 'digits', target: 'mnist', mapping: digitMap(), note: '8×8 scikit-learn digits → 28×28 MNIST' },
];

function digitMap(): Record<string, string[]> {
  return Object.fromEntries(Array.from({ length: 10 }, (_, d) => [String(d), [String(d)]]));
}

export function findNaturalShift(source: string, name: string): NaturalShift | undefined {
  return NATURAL_SHIFTS.find((s) => s.source === source && s.name === name);
}

/** ImageNet's published natural shifts, each given as `<name>:<dir>` (imagenet-natural-shifts.ts reads them). */
export const IMAGENET_SHIFT_NAMES: readonly string[] = ['imagenetv2', 'imagenet-sketch', 'imagenet-r', 'imagenet-a', 'objectnet'];

/** Whether a --shift item is `<one of ImageNet's shifts>:<dir>`. */
export function isImagenetShiftItem(item: string): boolean {
  const i = item.indexOf(':');
  return i > 0 && i < item.length - 1 && IMAGENET_SHIFT_NAMES.includes(item.slice(0, i));
}

/** Whether a --shift item names a natural shift (built-in for some dataset, ImageNet's `<name>:<dir>`, or map:<file>) rather than a corruption. */
export function isNaturalShiftItem(item: string): boolean {
  return item.startsWith('map:') || isImagenetShiftItem(item) || NATURAL_SHIFTS.some((s) => s.name === item);
}

/** The name results record a natural --shift item under: ImageNet's shifts drop their folder. */
export const naturalShiftName = (item: string): string => (isImagenetShiftItem(item) ? item.slice(0, item.indexOf(':')) : item);

/**
 * A user pair from JSON: {"target": "<dataset name or path>", "classes": {"<source class>": ["<target class>", …]}}.
 * `source` names the dataset it applies to (checked against its classes later).
 */
export async function readMappingFile(path: string, source: string): Promise<NaturalShift> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new UserError(`--shift map:${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid JSON (${(e as Error).message})`}`);
  }
  const r = raw as { target?: unknown; classes?: unknown };
  const ok =
    typeof r === 'object' && r !== null && typeof r.target === 'string' && typeof r.classes === 'object' && r.classes !== null &&
    Object.values(r.classes).every((v) => Array.isArray(v) && v.every((x) => typeof x === 'string'));
  if (!ok) throw new UserError(`--shift map:${path}: expected {"target": "<dataset>", "classes": {"<${source} class>": ["<target class>", …]}}`);
  return { name: `map:${path}`, source, target: r.target as string, mapping: r.classes as Record<string, string[]>, note: `user mapping ${path}` };
}

/** What results call a natural shift's test set: restricted to the classes present, it says how many (CLIP's ImageNet-R protocol). */
export const naturalShiftLabel = (name: string, classesPresent: number, restricted: boolean): string => (restricted ? `${name} (${classesPresent} classes)` : name);

/** One way a natural shift is reported: its label, whether scoring is restricted, and the variant robustness reads. */
export interface NaturalShiftVariant {
  label: string;
  restricted: boolean;
  restriction?: ClassRestriction;
  /** The variant CLIP reports, which robustness summaries read. */
  primary: boolean;
}

/**
 * How a natural shift is scored: under its published restriction alone when it has one (ImageNet-R's 200
 * classes, ObjectNet's 113 groups, V2's full 1,000); else with the full classifier and, when the shifted
 * set lacks classes, also restricted to the classes present (the primary one then).
 */
export function naturalShiftVariants(shift: NaturalShift, present: readonly boolean[]): NaturalShiftVariant[] {
  const K = present.length;
  const own = shift.restriction;
  if (own) {
    const n = own.keep.filter(Boolean).length;
    return [{ label: naturalShiftLabel(shift.name, n, n < K), restricted: n < K, restriction: own, primary: true }];
  }
  const n = present.filter(Boolean).length;
  if (n === K) return [{ label: shift.name, restricted: false, primary: true }];
  return [
    { label: naturalShiftLabel(shift.name, n, false), restricted: false, primary: false },
    { label: naturalShiftLabel(shift.name, n, true), restricted: true, restriction: { keep: present }, primary: true },
  ];
}

/** The shifted test set: target test images of mapped classes, labelled with source class indices. */
export interface MappedTestSet {
  dataset: Dataset;
  /** Source classes with at least one target image. */
  present: boolean[];
}

/**
 * Wrap `target`'s test split as a test set of `sourceClasses`: only rows whose class is mapped, labels
 * renumbered to the source classes. Names unknown on either side are an error (before any encoding).
 */
export async function mappedTestSet(shift: NaturalShift, sourceClasses: readonly string[], target: Dataset): Promise<MappedTestSet> {
  const srcIndex = new Map(sourceClasses.map((c, i) => [c, i]));
  const tgtIndex = new Map(target.classes.map((c, i) => [c, i]));
  const toSource = new Int32Array(target.classes.length).fill(-1);
  for (const [s, targets] of Object.entries(shift.mapping)) {
    const si = srcIndex.get(s);
    if (si === undefined) throw new UserError(`--shift ${shift.name}: "${s}" is not a class of ${shift.source} (classes: ${sourceClasses.slice(0, 12).join(', ')}${sourceClasses.length > 12 ? ', …' : ''})`);
    for (const t of targets) {
      const ti = tgtIndex.get(t);
      if (ti === undefined) throw new UserError(`--shift ${shift.name}: "${t}" is not a class of ${target.name}`);
      if (toSource[ti] !== -1 && toSource[ti] !== si) throw new UserError(`--shift ${shift.name}: ${target.name} class "${t}" is mapped to two ${shift.source} classes`);
      toSource[ti] = si;
    }
  }
  return relabeledTestSet(shift, sourceClasses, target, toSource, false);
}

/**
 * Wrap `target`'s test split as a test set of `sourceClasses` by an index map (target class → source
 * class, −1: left out), for shifts whose classes are matched by id rather than by name (ImageNet's).
 */
export async function relabeledTestSet(shift: NaturalShift, sourceClasses: readonly string[], target: Dataset, toSource: Int32Array, byIndex = true): Promise<MappedTestSet> {
  if (!target.splits.includes('test')) throw new UserError(`--shift ${shift.name}: ${target.name} has no test split`);
  const tLabels = await target.labels('test');
  const rows: number[] = [];
  for (let i = 0; i < tLabels.length; i++) if (toSource[tLabels[i]] >= 0) rows.push(i);
  if (rows.length === 0) throw new UserError(`--shift ${shift.name}: no ${target.name} test image belongs to a mapped class`);
  const labels = Int32Array.from(rows, (i) => toSource[tLabels[i]]);
  const present = sourceClasses.map((_, c) => labels.includes(c));
  const identity = sha256(stableStringify({ natural: shift.name, target: target.identity('test'), mapping: shift.mapping, classes: sourceClasses, ...(byIndex ? { toSource: [...toSource] } : {}) }));
  const only = (split: Split) => {
    if (split !== 'test') throw new Error(`mapped test set: no ${split} split`);
  };
  const dataset: Dataset = {
    name: `${shift.source}→${target.name}`,
    classes: sourceClasses,
    templates: [],
    splits: ['test'],
    provenance: { ...target.provenance, notes: `${shift.note}; mapping ${JSON.stringify(shift.mapping)}` },
    identity: (split) => (only(split), identity),
    size: async (split) => (only(split), rows.length),
    labels: async (split) => (only(split), labels.slice()),
    async *read(split, indices) {
      only(split);
      const want = indices ? Array.from(indices, (i) => rows[i]) : rows;
      const back = new Map(want.map((t, j) => [t, indices ? indices[j] : j]));
      for await (const ex of target.read('test', want)) {
        yield { index: back.get(ex.index)!, label: toSource[ex.label], image: ex.image } satisfies LabeledImage;
      }
    },
  };
  return { dataset, present };
}
