import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseBenchArgs, parseShots } from '../../src/cli/bench-args.ts';
import { main } from '../../src/cli/bench.ts';
import { runMain } from './capture.ts';

describe('bench flags', () => {
  it('parses shots as a sorted unique list with all last', () => {
    expect(parseShots('16,1,4,all,4')).toEqual([1, 4, 16, 'all']);
  });

  it.each([
    ['--shots', '0', /--shots 0 is not a probe/],
    ['--shots', '2.5', /--shots must be an integer ≥ 1, got 2\.5/],
    ['--shots', 'four', /--shots must be an integer ≥ 1, got "four"/],
    ['--shots', '1000000', /absurdly large/],
    ['--seeds', '0', /--seeds must be an integer ≥ 1, got 0/],
    ['--limit', '-3', /--limit must be an integer ≥ 1, got -3/],
    ['--solver', 'sgd', /--solver must be lbfgs or ml-logistic-regression, got "sgd"/],
    ['--int8-encode', 'batched', /--int8-encode must be auto or one-per-run, got "batched"/],
  ])('%s %s is refused with a clear message', (flag, value, message) => {
    expect(() => parseBenchArgs(['--dataset', 'cifar10', `${flag}=${value}`])).toThrow(message);
  });

  it('requires --dataset and rejects unknown flags and stray words', () => {
    expect(() => parseBenchArgs([])).toThrow(/--dataset is required/);
    expect(() => parseBenchArgs(['--dataset', 'cifar10', '--shot', '4'])).toThrow(/Unknown option '--shot'/);
    expect(() => parseBenchArgs(['--dataset', 'cifar10', 'mnist'])).toThrow(/unexpected argument "mnist"/);
  });

  it('refuses --require-cached with --no-cache, which would leave nothing to read', () => {
    expect(() => parseBenchArgs(['--dataset', 'x', '--require-cached', '--no-cache'])).toThrow('--require-cached reads every image feature from the cache; drop --no-cache');
    expect(parseBenchArgs(['--dataset', 'x', '--require-cached']).requireCached).toBe(true);
  });

  it('--int8-encode: per-row rewrite (auto) unless one image per run is asked for', () => {
    expect(parseBenchArgs(['--dataset', 'x']).int8Encode).toBe('auto');
    expect(parseBenchArgs(['--dataset', 'x', '--int8-encode', 'one-per-run']).int8Encode).toBe('one-per-run');
  });

  it('derives seeds from --seed and --seeds', () => {
    expect(parseBenchArgs(['--dataset', 'x', '--seeds', '3', '--seed', '10']).seeds).toEqual([10, 11, 12]);
  });

  it('refuses a templates file whose template lacks {} before any heavy work', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-tpl-'));
    const file = join(dir, 't.json');
    writeFileSync(file, JSON.stringify(['a photo of a {}.', 'a photo']));
    // Any existing directory passes the early --model check; the template check fails before it is opened.
    const r = await runMain(main, ['--dataset', 'cifar10', '--templates', file, '--model', dir]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: .*template "a photo" has no \{\}/);
  });

  it('refuses more shots than any class has, naming the largest class', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-shots-'));
    // digits-like tiny folder: 2 classes × 3 train images
    const sharp = (await import('sharp')).default;
    for (const split of ['train', 'test']) for (const c of ['a', 'b']) for (let i = 0; i < 3; i++) {
      const p = join(dir, split, c);
      (await import('node:fs')).mkdirSync(p, { recursive: true });
      await sharp(Buffer.alloc(8 * 8 * 3, i * 40 + (c === 'a' ? 0 : 100)), { raw: { width: 8, height: 8, channels: 3 } }).png().toFile(join(p, `${i}.png`));
    }
    const r = await runMain(main, ['--dataset', dir, '--shots', '4', '--model', dir]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: --shots 4: no class .* has that many training examples \(largest class: 3\)/);
  });
});
