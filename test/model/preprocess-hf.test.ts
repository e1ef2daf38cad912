import { describe, expect, it } from 'vitest';
import { CLIP_224, preprocessConfigFromHF } from '../../src/model/preprocess/index.ts';
import { preprocessConfigToHF } from '../../src/model/preprocess/hf.ts';
import { UserError } from '../../src/util/errors.ts';

const FILE = '/models/x/preprocessor_config.json';

function refused(json: unknown, key: string): void {
  let err: unknown;
  try {
    preprocessConfigFromHF(json, FILE);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(UserError);
  expect((err as Error).message).toContain(FILE);
  expect((err as Error).message).toContain(`"${key}"`);
}

describe('preprocessConfigFromHF', () => {
  it('reads the openai/clip-vit-base-patch32 file (old CLIPFeatureExtractor layout) as CLIP 224', () => {
    const json = {
      crop_size: 224,
      do_center_crop: true,
      do_normalize: true,
      do_resize: true,
      feature_extractor_type: 'CLIPFeatureExtractor',
      image_mean: [0.48145466, 0.4578275, 0.40821073],
      image_std: [0.26862954, 0.26130258, 0.27577711],
      resample: 3,
      size: 224,
    };
    expect(preprocessConfigFromHF(json, FILE)).toEqual(CLIP_224);
  });

  it('reads the CLIPImageProcessor layout (shortest_edge, crop {height,width}, rescale_factor)', () => {
    const json = {
      crop_size: { height: 336, width: 336 },
      do_center_crop: true,
      do_convert_rgb: true,
      do_normalize: true,
      do_rescale: true,
      do_resize: true,
      image_mean: [0.48145466, 0.4578275, 0.40821073],
      image_processor_type: 'CLIPImageProcessor',
      image_std: [0.26862954, 0.26130258, 0.27577711],
      resample: 3,
      rescale_factor: 0.00392156862745098,
      size: { shortest_edge: 336 },
    };
    expect(preprocessConfigFromHF(json, FILE)).toEqual({
      ...CLIP_224,
      size: 336,
      crop: { height: 336, width: 336 },
      rescale: 0.00392156862745098,
    });
  });

  it('takes a square {height,width} size as an exact resize, with the crop defaulting to it', () => {
    const json = { do_normalize: true, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5], resample: 2, size: { height: 256, width: 256 } };
    expect(preprocessConfigFromHF(json, FILE)).toEqual({
      resizeMode: 'exact',
      size: 256,
      crop: { height: 256, width: 256 },
      resample: 'bilinear',
      rescale: 1 / 255,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
    });
  });

  it('uses CLIPImageProcessor defaults for missing keys', () => {
    expect(preprocessConfigFromHF({}, FILE)).toEqual(CLIP_224);
  });

  it('turns off rescale and normalisation when asked', () => {
    const cfg = preprocessConfigFromHF({ do_rescale: false, do_normalize: false, resample: 0 }, FILE);
    expect(cfg).toMatchObject({ rescale: 1, mean: [0, 0, 0], std: [1, 1, 1], resample: 'nearest' });
  });

  it('broadcasts a single mean/std value to the three channels', () => {
    expect(preprocessConfigFromHF({ image_mean: 0.5, image_std: [0.25] }, FILE)).toMatchObject({ mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });
  });

  it('refuses what the pipeline cannot reproduce, naming file and key', () => {
    refused({ resample: 1 }, 'resample'); // LANCZOS
    refused({ resample: 'bicubic' }, 'resample');
    refused({ do_resize: false }, 'do_resize');
    refused({ size: { height: 224, width: 300 } }, 'size');
    refused({ size: { shortest_edge: 224, longest_edge: 448 } }, 'size.longest_edge');
    refused({ size: -3 }, 'size');
    refused({ size: '224' }, 'size');
    refused({ crop_size: { height: 224 } }, 'crop_size.width');
    refused({ do_center_crop: false }, 'do_center_crop');
    refused({ image_std: [0.2, 0, 0.3] }, 'image_std');
    refused({ image_mean: [0.2, 0.3] }, 'image_mean');
    refused({ rescale_factor: 0 }, 'rescale_factor');
    refused({ do_normalize: 'yes' }, 'do_normalize');
    expect(() => preprocessConfigFromHF([1, 2], FILE)).toThrow(UserError);
  });
});

describe('preprocessConfigToHF', () => {
  it('round-trips through preprocessConfigFromHF', () => {
    for (const cfg of [CLIP_224, { ...CLIP_224, resizeMode: 'exact' as const, size: 32, crop: { height: 32, width: 32 }, resample: 'bilinear' as const }]) {
      expect(preprocessConfigFromHF(preprocessConfigToHF(cfg), 'x.json')).toEqual(cfg);
    }
  });
});
