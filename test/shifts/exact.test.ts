import { describe, expect, it } from 'vitest';
import { applyCorruption } from '../../src/shifts/index.ts';
import { numpyArange } from '../../src/shifts/zoom.ts';
import { CASES, inputImage, maxAbsDiff, stackedAt } from './fixtures.ts';

// References: the original make_cifar_c.py functions run with scikit-image, OpenCV, SciPy and Pillow
// (bench/dev/gen-corruption-refs.py), on CIFAR-10 test images, a synthetic image and a 28×28 grey image.
describe('deterministic corruptions reproduce make_cifar_c.py to within one uint8 level', () => {
  for (const corruption of CASES.corruptions) {
    for (const image of Object.keys(CASES.images)) {
      it(`${corruption} on ${image}, severities 1-5`, async () => {
        const input = inputImage(image);
        for (let s = 1; s <= 5; s++) {
          const out = await applyCorruption(input, corruption, s, 0);
          expect(maxAbsDiff(out.data, stackedAt(`${corruption}_${image}.npy`, s)), `severity ${s}`).toBeLessThanOrEqual(1);
        }
      });
    }
  }
});

describe('zoom_blur factor lists', () => {
  it('follow NumPy float arange, which includes the stop value for 1.06 and 1.11 but not for 1.16', () => {
    expect([1.06, 1.11, 1.16, 1.21, 1.26].map((stop) => numpyArange(1, stop, 0.01).length)).toEqual([7, 12, 16, 21, 26]);
  });
});

// Not a bit-exactness promise (encoders change between versions): measured identical to Pillow's
// encode+decode on these fixtures with sharp 0.35.5; the test catches a drift beyond one level.
describe('jpeg_compression through sharp', () => {
  for (const image of Object.keys(CASES.images)) {
    it(`matches Pillow's JPEG at qualities ${CASES.jpegQualities.join('/')} on ${image}`, async () => {
      const input = inputImage(image);
      for (let s = 1; s <= 5; s++) {
        const out = await applyCorruption(input, 'jpeg_compression', s, 0);
        expect(maxAbsDiff(out.data, stackedAt(`jpeg_${image}.npy`, s)), `severity ${s}`).toBeLessThanOrEqual(1);
      }
    });
  }
});
