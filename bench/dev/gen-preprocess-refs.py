#!/usr/bin/env python3
"""Dev-only: regenerate test/fixtures/preprocess/ (fixture PNGs + PIL reference outputs).

Reference semantics = OpenAI CLIP's transform with PIL:
  img.convert('RGB') -> torchvision Resize(size, BICUBIC) (shortest side; other side int()-truncated)
  -> CenterCrop (zero-pad if the crop is larger, offsets int(round((dim - crop) / 2.0)), Python rounding)
  -> ToTensor (float32 x / 255) -> Normalize (float32 (x - mean) / std).
torchvision is not needed: its Resize/CenterCrop arithmetic is reproduced below around PIL calls.

Run from the repository root:  /usr/bin/python3 bench/dev/gen-preprocess-refs.py
Neither the product nor its tests need Python; the outputs are committed.
"""
import json
import os
import sys

import numpy as np
from PIL import Image

OUT = os.path.join("test", "fixtures", "preprocess")
SEED = 20240611

FILTERS = {"bicubic": Image.BICUBIC, "bilinear": Image.BILINEAR, "nearest": Image.NEAREST}
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


def make_images(rng):
    """name -> PIL image, saved as PNG (mode preserved)."""
    ims = {}
    ims["noise_rgb_32x32.png"] = Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8), "RGB")

    # MNIST-like: many exact 0 / 255 values so bicubic overshoot hits the clipping.
    g = rng.integers(0, 256, (28, 28), dtype=np.uint8)
    u = rng.random((28, 28))
    g[u < 0.35] = 0
    g[u > 0.8] = 255
    ims["grey_l_28x28.png"] = Image.fromarray(g, "L")

    # 256 wide x 160 high: gradients + hard-edged checkerboard + a little noise.
    h, w = 160, 256
    yy, xx = np.mgrid[0:h, 0:w]
    noise = rng.integers(-6, 7, (h, w, 3))
    c = np.stack([xx * 255.0 / (w - 1), yy * 255.0 / (h - 1), ((xx // 16 + yy // 16) % 2) * 255.0], -1)
    ims["grad_rgb_256x160.png"] = Image.fromarray(np.clip(c + noise, 0, 255).astype(np.uint8), "RGB")

    # 300 wide x 200 high RGBA: radial pattern, diagonal stripes, alpha ramp (alpha must be ignored).
    h, w = 200, 300
    yy, xx = np.mgrid[0:h, 0:w]
    r = np.hypot(xx - 140, yy - 90)
    c = np.stack([
        127.5 + 127.5 * np.sin(r / 9.0),
        ((xx + yy) // 7 % 2) * 255.0,
        np.clip(xx * 1.2 - yy * 0.4, 0, 255),
        np.clip(40 + xx * 0.7, 0, 255),
    ], -1)
    c[..., :3] += rng.integers(-3, 4, (h, w, 3))
    ims["pattern_rgba_300x200.png"] = Image.fromarray(np.clip(c, 0, 255).astype(np.uint8), "RGBA")

    ims["noise_rgb_17x23.png"] = Image.fromarray(rng.integers(0, 256, (23, 17, 3), dtype=np.uint8), "RGB")

    # Palette image, 40 x 30, 16 colours in 4x3 blocks, index 3 transparent (tRNS).
    idx = rng.integers(0, 16, (30 // 3 + 1, 40 // 4 + 1), dtype=np.uint8)
    idx = np.repeat(np.repeat(idx, 3, 0), 4, 1)[:30, :40]
    p = Image.fromarray(idx, "P")
    p.putpalette(rng.integers(0, 256, 16 * 3, dtype=np.uint8).tolist())
    p.info["transparency"] = 3
    ims["palette_p_40x30.png"] = p

    la = np.stack([rng.integers(0, 256, (24, 20)), rng.integers(0, 256, (24, 20))], -1).astype(np.uint8)
    ims["grey_la_20x24.png"] = Image.fromarray(la, "LA")
    return ims


def tv_resize(im, size, mode, resample):
    """torchvision F.resize(img, size) for an int size ('shortest'), or (size, size) ('exact')."""
    w, h = im.size
    if mode == "exact":
        ow, oh = size, size
    else:
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = size, int(size * long / short)
        ow, oh = (new_short, new_long) if w <= h else (new_long, new_short)
    return im.resize((ow, oh), FILTERS[resample])


def tv_center_crop(im, ch, cw):
    """torchvision F.center_crop on a PIL image (pads with 0 first when the crop is larger)."""
    w, h = im.size
    if cw > w or ch > h:
        left = (cw - w) // 2 if cw > w else 0
        top = (ch - h) // 2 if ch > h else 0
        right = (cw - w + 1) // 2 if cw > w else 0
        bottom = (ch - h + 1) // 2 if ch > h else 0
        padded = Image.new(im.mode, (w + left + right, h + top + bottom), 0)
        padded.paste(im, (left, top))
        im = padded
        w, h = im.size
        if (w, h) == (cw, ch):
            return im
    top = int(round((h - ch) / 2.0))
    left = int(round((w - cw) / 2.0))
    return im.crop((left, top, left + cw, top + ch))


def to_tensor_normalize(u8, cfg):
    x = u8.astype(np.float32).transpose(2, 0, 1)
    x = x / np.float32(255) if cfg["rescale"] == 1 / 255 else x * np.float32(cfg["rescale"])
    mean = np.asarray(cfg["mean"], dtype=np.float32)[:, None, None]
    std = np.asarray(cfg["std"], dtype=np.float32)[:, None, None]
    return np.ascontiguousarray((x - mean) / std, dtype=np.float32)


def cfg(mode, size, crop_h, crop_w, resample="bicubic"):
    return {"resizeMode": mode, "size": size, "crop": {"height": crop_h, "width": crop_w},
            "resample": resample, "rescale": 1 / 255, "mean": CLIP_MEAN, "std": CLIP_STD}


CLIP = cfg("shortest", 224, 224, 224)
# name, image, config, also store the float tensor
CASES = [
    ("clip224_noise32", "noise_rgb_32x32.png", CLIP, True),
    ("clip224_grey28", "grey_l_28x28.png", CLIP, False),
    ("clip224_grad256x160", "grad_rgb_256x160.png", CLIP, False),
    ("clip224_rgba300x200", "pattern_rgba_300x200.png", CLIP, False),
    ("clip224_odd17x23", "noise_rgb_17x23.png", CLIP, False),
    ("exact32_grad", "grad_rgb_256x160.png", cfg("exact", 32, 32, 32), False),
    ("exact32_rgba", "pattern_rgba_300x200.png", cfg("exact", 32, 32, 32), False),
    ("exact32_palette", "palette_p_40x30.png", cfg("exact", 32, 32, 32), False),
    ("exact32_la", "grey_la_20x24.png", cfg("exact", 32, 32, 32), False),
    ("down64_rgba", "pattern_rgba_300x200.png", cfg("shortest", 64, 64, 64), True),
    ("down64_bilinear_rgba", "pattern_rgba_300x200.png", cfg("shortest", 64, 64, 64, "bilinear"), False),
    ("down48_nearest_grad", "grad_rgb_256x160.png", cfg("shortest", 48, 48, 48, "nearest"), False),
    ("up64_nearest_odd", "noise_rgb_17x23.png", cfg("shortest", 64, 64, 64, "nearest"), False),
    ("up50_bilinear_grey", "grey_l_28x28.png", cfg("shortest", 50, 50, 50, "bilinear"), False),
    ("pad_odd", "noise_rgb_17x23.png", cfg("shortest", 20, 24, 32), True),
    ("noop_halfeven", "noise_rgb_17x23.png", cfg("shortest", 17, 18, 17), False),
    ("exact40_rect_crop", "palette_p_40x30.png", cfg("exact", 40, 21, 37), False),
]
# Plain resizes of the L image to a non-uniform size (whole output, no crop).
RESIZES = [("grey_l_28x28.png", 50, 13, f) for f in ("bicubic", "bilinear", "nearest")] + [
    ("grey_l_28x28.png", 9, 61, f) for f in ("bicubic", "bilinear", "nearest")]


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(SEED)
    for name, im in make_images(rng).items():
        im.save(os.path.join(OUT, name))
    manifest = {"generator": "bench/dev/gen-preprocess-refs.py", "pillow": Image.__version__,
                "cases": [], "resizes": [], "rgb": []}
    for name, image, c, with_float in CASES:
        im = Image.open(os.path.join(OUT, image)).convert("RGB")
        im = tv_resize(im, c["size"], c["resizeMode"], c["resample"])
        im = tv_center_crop(im, c["crop"]["height"], c["crop"]["width"])
        u8 = np.asarray(im, dtype=np.uint8)
        np.save(os.path.join(OUT, f"{name}.u8.npy"), u8)
        entry = {"name": name, "image": image, "config": c, "uint8": f"{name}.u8.npy"}
        if with_float:
            np.save(os.path.join(OUT, f"{name}.f32.npy"), to_tensor_normalize(u8, c))
            entry["float32"] = f"{name}.f32.npy"
        manifest["cases"].append(entry)
    for image, w, h, f in RESIZES:
        im = Image.open(os.path.join(OUT, image))
        out = f"resize_{os.path.splitext(image)[0]}_{w}x{h}_{f}.npy"
        np.save(os.path.join(OUT, out), np.asarray(im.resize((w, h), FILTERS[f]), dtype=np.uint8))
        manifest["resizes"].append({"image": image, "width": w, "height": h, "filter": f, "uint8": out})
    for image in ("palette_p_40x30.png", "grey_la_20x24.png", "grey_l_28x28.png"):
        out = f"rgb_{os.path.splitext(image)[0]}.npy"
        np.save(os.path.join(OUT, out), np.asarray(Image.open(os.path.join(OUT, image)).convert("RGB")))
        manifest["rgb"].append({"image": image, "uint8": out})
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total / 1024:.0f} KiB", file=sys.stderr)


if __name__ == "__main__":
    main()
