import { describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import { createProgress, formatCount } from '../../src/util/progress.ts';
import { PROJECT_ROOT, resolveDataDir } from '../../src/util/paths.ts';

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, write: (s: string) => out.push(s) } };
}

describe('createProgress', () => {
  it('piped: a start line, lines at 10% steps at least 1 s apart, and a done line', () => {
    let t = 0;
    const { out, stream } = sink(false);
    const p = createProgress('convert', 100, { stream, interactive: false, now: () => t });
    for (let i = 0; i < 100; i++) {
      t += 100; // 0.1 s per item: each 10% step takes 1 s
      p.tick();
    }
    p.done();
    expect(out[0]).toBe('convert: started, 100 items\n');
    expect(out.filter((l) => l.includes('%')).length).toBe(9);
    expect(out[1]).toMatch(/^convert: 10 items\/100 items \(10%\) 10 items\/s ETA 9\.0s\n$/);
    expect(out.at(-1)).toMatch(/^convert: done, 100 items in 10s/);
  });

  it('on a terminal: redraws one line with \\r and ends it with a newline', () => {
    let t = 0;
    const { out, stream } = sink(true);
    const p = createProgress('dl', 2_000_000, { stream, interactive: true, unit: 'B', now: () => t });
    t = 1000;
    p.tick(1_000_000);
    p.done();
    expect(out[0]).toBe('\r\x1b[2Kdl: 1.0 MB/2.0 MB (50%) 1.0 MB/s ETA 1.0s');
    expect(out[1]).toMatch(/^\r\x1b\[2Kdl: done, 1\.0 MB in 1\.0s.*\n$/);
  });

  it('silent prints nothing', () => {
    const { out, stream } = sink(false);
    const p = createProgress('x', 10, { stream, silent: true });
    p.tick(10);
    p.done();
    expect(out).toEqual([]);
  });

  it('formats bytes', () => expect(formatCount(138_940_914, 'B')).toBe('138.9 MB'));
});

describe('resolveDataDir', () => {
  it('prefers the flag, then CLIP_BENCH_DATA, then <project>/datasets', () => {
    expect(resolveDataDir('/a/b', { CLIP_BENCH_DATA: '/c' })).toBe('/a/b');
    expect(resolveDataDir(undefined, { CLIP_BENCH_DATA: '/c' })).toBe('/c');
    expect(resolveDataDir(undefined, {})).toBe(join(PROJECT_ROOT, 'datasets'));
    expect(resolveDataDir('rel', {})).toBe(resolve('rel'));
  });
});
