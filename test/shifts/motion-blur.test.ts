import { describe, expect, it } from 'vitest';
import { motionBlur, motionBlurKernel } from '../../src/shifts/motion-blur.ts';
import { CASES, inputImage, maxAbsDiff, stackedAt } from './fixtures.ts';

describe('ImageMagick motion blur re-implementation', () => {
  it('uses a one-sided Gaussian of 2·ceil(radius)+1 taps starting at the pixel itself', () => {
    const k = motionBlurKernel(6, 2, 0);
    expect(k.weights.length).toBe(13);
    expect(Array.from(k.dx)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(Array.from(k.dy)).toEqual(new Array(13).fill(0));
    expect(k.weights[0] / k.weights[1]).toBeCloseTo(Math.exp(1 / 8), 12);
    expect(k.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  // References: ImageMagick's MagickMotionBlurImage through Wand, as make_cifar_c.py calls it
  // (bench/dev/gen-corruption-refs.py), at fixed radius, sigma and angle.
  for (const image of Object.keys(CASES.images)) {
    it(`matches ImageMagick on ${image} at every (radius, sigma, angle) case`, () => {
      const input = inputImage(image);
      CASES.motionCases.forEach(([radius, sigma, angle], i) => {
        const out = motionBlur(input, radius, sigma, angle);
        expect(maxAbsDiff(out.data, stackedAt(`motion_${image}.npy`, i + 1)), `case ${radius}/${sigma}/${angle}`).toBeLessThanOrEqual(1);
      });
    });
  }
});
