import { describe, expect, it } from 'vitest';
import { probeBreakEven } from '../../src/evaluation/break-even.ts';

describe('probe break-even with the full-data probe', () => {
  it('--shots all alone: a probe far above zero-shot gives an upper bound at its examples per class, not "never"', () => {
    const be = probeBreakEven([{ shots: 'all', effectiveShots: 129.4, top1: 0.994 }], 0.1);
    expect(be.shots).toBeCloseTo(129.4, 9);
    expect(be.note).toMatch(/full-data probe .* at most/);
  });

  it('a curve that crosses only after the largest k interpolates towards the full-data point and says so', () => {
    const be = probeBreakEven(
      [
        { shots: 1, top1: 0.2 },
        { shots: 4, top1: 0.3 },
        { shots: 'all', effectiveShots: 64, top1: 0.5 },
      ],
      0.4,
    );
    expect(be.shots).toBeCloseTo(2 ** (2 + 0.5 * 4), 9);
    expect(be.note).toMatch(/between 4 shots and the full training data/);
  });

  it('a plain crossing between numeric k needs no note', () => {
    expect(probeBreakEven([{ shots: 1, top1: 0.2 }, { shots: 2, top1: 0.6 }, { shots: 'all', effectiveShots: 500, top1: 0.9 }], 0.4)).toEqual({ shots: 2 ** 0.5 });
  });

  it('never reaching zero-shot, even with all data, is said as such', () => {
    const be = probeBreakEven([{ shots: 2, top1: 0.1 }, { shots: 'all', effectiveShots: 50, top1: 0.2 }], 0.4);
    expect(be.shots).toBeNull();
    expect(be.note).toMatch(/not even trained on all/);
  });
});
