import { describe, expect, it } from 'vitest';
import { breakEvenLine } from '../../src/results/markdown.ts';
import type { DatasetResult } from '../../src/results/schema.ts';

const AT_MOST = 'already matches zero-shot at the smallest k tried (1); the true break-even is at most that';

describe('the break-even line', () => {
  it('names methods with the same verdict together, each verdict once', () => {
    const ds = {
      breakEvenShots: null,
      breakEvenNote: `the probe ${AT_MOST}`,
      methods: [
        { method: 'tip-adapter', breakEvenShots: null, breakEvenNote: `tip-adapter ${AT_MOST}` },
        { method: 'clap', breakEvenShots: 2.2, shots: [] },
        { method: 'wise', breakEvenShots: null, breakEvenNote: `wise ${AT_MOST}` },
        { method: 'lp++', breakEvenShots: null, shots: [] },
      ],
    } as unknown as DatasetResult;
    expect(breakEvenLine(ds)).toBe(`break-even: the probe ${AT_MOST}; other methods: tip-adapter, wise: ${AT_MOST}; clap ≈ 2.2; lp++ never`);
  });
});
