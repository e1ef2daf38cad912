import { describe, expect, it } from 'vitest';
import { resultsJson } from '../../src/results/to-json.ts';

describe('resultsJson: results.json text', () => {
  const sample = {
    name: 'imagenet',
    empty: [],
    nothing: {},
    skipped: undefined,
    nested: [{ a: 1, b: [1, 2.5, null], c: 'x"y' }, [3, 4], [{ d: true }]],
    nan: Number.NaN,
    inf: [Number.POSITIVE_INFINITY, -0],
    when: new Date(0),
  };

  it('parses back to what JSON.stringify gives', () => {
    expect(JSON.parse(resultsJson(sample))).toEqual(JSON.parse(JSON.stringify(sample)));
  });

  it('indents objects like JSON.stringify(v, null, 2) and keeps number arrays on one line', () => {
    expect(resultsJson({ a: { b: [1, 2] }, c: ['x'] })).toBe('{\n  "a": {\n    "b": [1,2]\n  },\n  "c": [\n    "x"\n  ]\n}');
  });

  it('writes a 1,000-class confusion matrix as one line (1,000,000 numbers)', () => {
    const text = resultsJson({ metrics: { confusion: new Array(1_000_000).fill(0) } });
    expect(text.split('\n')).toHaveLength(5);
    expect(text.length).toBeLessThan(2_100_000);
  });
});
