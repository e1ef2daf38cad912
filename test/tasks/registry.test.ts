import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classificationMetrics } from '../../src/evaluation/metrics.ts';
import { findTask, TASKS } from '../../src/tasks/index.ts';
import { PROJECT_ROOT } from '../../src/util/paths.ts';

describe('tasks registry', () => {
  it('holds classification and retrieval, found by name', () => {
    expect(TASKS.map((t) => t.name)).toEqual(['classification', 'retrieval']);
    expect(findTask('classification')!.encodes).toEqual(['images', 'class-prompts']);
    expect(findTask('retrieval')!.encodes).toEqual(['images', 'class-prompts', 'captions']);
    expect(findTask('ranking')).toBeUndefined();
  });

  it('retrieval scores class queries: a perfect ranking has mAP 1', () => {
    // Class 0 scores images 0, 1 highest; class 1 images 2, 3.
    const scores = Float32Array.from([0.9, 0.1, 0.8, 0.2, 0.1, 0.7, 0.2, 0.9]);
    const r = findTask('retrieval')!.score(scores, Int32Array.from([0, 0, 1, 1]), 2) as { overall: { map: { mean: number } } };
    expect(r.overall.map.mean).toBe(1);
  });

  it('classification scores with the metrics the bench records (top-1, top-5, confusion)', () => {
    const scores = Float32Array.from([0.9, 0.1, 0.2, 0.8, 0.6, 0.4]);
    const labels = Int32Array.from([0, 1, 1]);
    const m = findTask('classification')!.score(scores, labels, 2) as ReturnType<typeof classificationMetrics>;
    expect(m).toEqual(classificationMetrics(scores, labels, 2));
    expect(m.top1).toBeCloseTo(2 / 3);
  });

  it("each task writes only fields the results schema requires of every dataset record", () => {
    const schema = JSON.parse(readFileSync(join(PROJECT_ROOT, 'src/results/results.schema.json'), 'utf8'));
    const required: string[] = schema.properties.datasets.items.required;
    for (const t of TASKS) for (const f of t.writes) expect(required).toContain(f);
    for (const t of TASKS) for (const f of t.writesRun ?? []) expect(Object.keys(schema.properties)).toContain(f);
  });
});
