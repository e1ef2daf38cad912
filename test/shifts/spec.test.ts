import { describe, expect, it } from 'vitest';
import { CORRUPTIONS, parseShiftSpec } from '../../src/shifts/index.ts';
import { UserError } from '../../src/util/errors.ts';

const FIFTEEN = [
  'gaussian_noise', 'shot_noise', 'impulse_noise', 'defocus_blur', 'glass_blur', 'motion_blur', 'zoom_blur', 'snow',
  'frost', 'fog', 'brightness', 'contrast', 'elastic_transform', 'pixelate', 'jpeg_compression',
];
const EXTRA = ['speckle_noise', 'gaussian_blur', 'spatter', 'saturate'];

describe('corruption registry', () => {
  it('lists the 15 CIFAR-10-C corruptions, then the 4 extras, each with 5 severities', () => {
    expect(CORRUPTIONS.filter((c) => c.group === 'corruptions').map((c) => c.name)).toEqual(FIFTEEN);
    expect(CORRUPTIONS.filter((c) => c.group === 'extra').map((c) => c.name)).toEqual(EXTRA);
    for (const c of CORRUPTIONS) expect(c.severities, c.name).toHaveLength(5);
  });

  it('marks exactly the seven deterministic corruptions as exact', () => {
    expect(CORRUPTIONS.filter((c) => c.fidelity === 'exact').map((c) => c.name).sort()).toEqual(
      ['brightness', 'contrast', 'defocus_blur', 'gaussian_blur', 'pixelate', 'saturate', 'zoom_blur']);
  });

  it('says that frost is procedural, not the original frost images', () => {
    const frost = CORRUPTIONS.find((c) => c.name === 'frost')!;
    expect(frost.fidelity).toBe('procedural');
    expect(frost.notes).toMatch(/PROCEDURAL frost texture, not the original frost images/);
  });

  it('carries the make_cifar_c.py parameters (gaussian_noise sigmas, jpeg qualities)', () => {
    const params = (name: string, key: string) => CORRUPTIONS.find((c) => c.name === name)!.severities.map((s) => s[key]);
    expect(params('gaussian_noise', 'sigma')).toEqual([0.04, 0.06, 0.08, 0.09, 0.1]);
    expect(params('jpeg_compression', 'quality')).toEqual([80, 65, 58, 50, 40]);
  });
});

describe('parseShiftSpec', () => {
  it('reads name:severity lists in order', () => {
    expect(parseShiftSpec('fog:2, gaussian_noise:5')).toEqual([
      { corruption: 'fog', severity: 2 },
      { corruption: 'gaussian_noise', severity: 5 },
    ]);
  });

  it('expands a bare name to its five severities', () => {
    expect(parseShiftSpec('contrast').map((s) => s.severity)).toEqual([1, 2, 3, 4, 5]);
  });

  it('expands corruptions to the 15 × 5 and corruptions+extra to the 19 × 5', () => {
    expect(parseShiftSpec('corruptions')).toHaveLength(75);
    expect(new Set(parseShiftSpec('corruptions').map((s) => s.corruption))).toEqual(new Set(FIFTEEN));
    expect(parseShiftSpec('corruptions+extra')).toHaveLength(95);
  });

  it('drops repeats, keeping the first', () => {
    expect(parseShiftSpec('fog:2,fog,fog:2')).toHaveLength(5);
    expect(parseShiftSpec('fog:2,fog')[0]).toEqual({ corruption: 'fog', severity: 2 });
  });

  it('rejects an unknown name with a UserError that names it and the known ones', () => {
    expect(() => parseShiftSpec('gaussian_nosie:3')).toThrow(UserError);
    expect(() => parseShiftSpec('gaussian_nosie:3')).toThrow(/--shift: unknown corruption 'gaussian_nosie'; known: gaussian_noise, .*saturate/);
  });

  it('names only the corruption, not the severity, when the name is unknown', () => {
    expect(() => parseShiftSpec('Fog:3')).toThrow(/unknown corruption 'Fog';/);
  });

  it.each(['fog:0', 'fog:6', 'fog:2.5', 'fog:', 'fog:x'])('rejects the severity in %s', (spec) => {
    expect(() => parseShiftSpec(spec)).toThrow(/severity .* must be an integer from 1 to 5/);
  });

  it('rejects an empty spec and empty items', () => {
    expect(() => parseShiftSpec('')).toThrow(/empty shift spec/);
    expect(() => parseShiftSpec('fog:1,,fog:2')).toThrow(/empty item/);
  });
});
