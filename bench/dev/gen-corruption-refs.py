#!/usr/bin/env python3
"""Dev-only: regenerate test/fixtures/shifts/ (input images + reference outputs of the CIFAR-10-C
corruptions that have no randomness).

The reference functions below are re-typed from Hendrycks & Dietterich, "Benchmarking Neural Network
Robustness to Common Corruptions and Perturbations" (ICLR 2019), repository hendrycks/robustness,
file ImageNet-C/create_c/make_cifar_c.py: same parameters, same library calls (scikit-image gaussian
and rgb2hsv/hsv2rgb, OpenCV GaussianBlur/filter2D, scipy.ndimage.zoom, Pillow BOX resize and JPEG),
same final np.uint8 truncation. The only change: the hard-coded 32 becomes the image side, so the
28x28 (MNIST-sized) input exercises the size-generic code path.

Also written:
  jpeg_<image>.npy        Pillow JPEG encode+decode at the CIFAR-10-C qualities (sharp is measured against it)
  motion_<image>.npy      ImageMagick MotionBlurImage at fixed radius/sigma/angle (only if python3-wand is
                          installed; the TS re-implementation is checked against it)

Run from the repository root:  /usr/bin/python3 bench/dev/gen-corruption-refs.py
Needs Debian's python3-numpy python3-scipy python3-skimage python3-opencv python3-pil (python3-wand optional).
Neither the product nor its tests need Python; the outputs are committed.
"""
import io
import json
import os
import sys

import cv2
import numpy as np
import skimage as sk
import skimage.color
import skimage.filters
from PIL import Image
from scipy.ndimage import zoom as scizoom

OUT = os.path.join("test", "fixtures", "shifts")
CIFAR_TEST = os.path.join("datasets", "cifar10", "npm-v1", "test.images.u8")
# Test-set rows chosen once at random (never looked at while writing the TS code).
CIFAR_ROWS = [4821, 7305, 9517]
SEED = 20261129


# ---------------------------------------------------------------- reference corruptions

def disk(radius, alias_blur=0.1, dtype=np.float32):
    if radius <= 8:
        L = np.arange(-8, 8 + 1)
        ksize = (3, 3)
    else:
        L = np.arange(-radius, radius + 1)
        ksize = (5, 5)
    X, Y = np.meshgrid(L, L)
    aliased_disk = np.array((X ** 2 + Y ** 2) <= radius ** 2, dtype=dtype)
    aliased_disk /= np.sum(aliased_disk)
    return cv2.GaussianBlur(aliased_disk, ksize=ksize, sigmaX=alias_blur)


def clipped_zoom(img, zoom_factor):
    h = img.shape[0]
    ch = int(np.ceil(h / zoom_factor))
    top = (h - ch) // 2
    img = scizoom(img[top:top + ch, top:top + ch], (zoom_factor, zoom_factor, 1), order=1)
    trim_top = (img.shape[0] - h) // 2
    return img[trim_top:trim_top + h, trim_top:trim_top + h]


def gaussian(x, sigma):
    # skimage.filters.gaussian(..., multichannel=True): channel axis not blurred; mode 'nearest', truncate 4.
    try:
        return sk.filters.gaussian(x, sigma=sigma, channel_axis=-1)
    except TypeError:
        return sk.filters.gaussian(x, sigma=sigma, multichannel=True)


def gaussian_blur(x, severity):
    c = [.4, .6, 0.7, .8, 1][severity - 1]
    x = gaussian(np.array(x) / 255., c)
    return np.clip(x, 0, 1) * 255


def defocus_blur(x, severity):
    c = [(0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (1, 0.2), (1.5, 0.1)][severity - 1]
    x = np.array(x) / 255.
    kernel = disk(radius=c[0], alias_blur=c[1])
    channels = [cv2.filter2D(x[:, :, d], -1, kernel) for d in range(3)]
    channels = np.array(channels).transpose((1, 2, 0))
    return np.clip(channels, 0, 1) * 255


def zoom_blur(x, severity):
    c = [np.arange(1, 1.06, 0.01), np.arange(1, 1.11, 0.01), np.arange(1, 1.16, 0.01),
         np.arange(1, 1.21, 0.01), np.arange(1, 1.26, 0.01)][severity - 1]
    x = (np.array(x) / 255.).astype(np.float32)
    out = np.zeros_like(x)
    for zoom_factor in c:
        out += clipped_zoom(x, zoom_factor)
    x = (x + out) / (len(c) + 1)
    return np.clip(x, 0, 1) * 255


def contrast(x, severity):
    c = [.75, .5, .4, .3, 0.15][severity - 1]
    x = np.array(x) / 255.
    means = np.mean(x, axis=(0, 1), keepdims=True)
    return np.clip((x - means) * c + means, 0, 1) * 255


def brightness(x, severity):
    c = [.05, .1, .15, .2, .3][severity - 1]
    x = np.array(x) / 255.
    x = sk.color.rgb2hsv(x)
    x[:, :, 2] = np.clip(x[:, :, 2] + c, 0, 1)
    x = sk.color.hsv2rgb(x)
    return np.clip(x, 0, 1) * 255


def saturate(x, severity):
    c = [(0.3, 0), (0.1, 0), (1.5, 0), (2, 0.1), (2.5, 0.2)][severity - 1]
    x = np.array(x) / 255.
    x = sk.color.rgb2hsv(x)
    x[:, :, 1] = np.clip(x[:, :, 1] * c[0] + c[1], 0, 1)
    x = sk.color.hsv2rgb(x)
    return np.clip(x, 0, 1) * 255


def pixelate(x, severity):
    c = [0.95, 0.9, 0.85, 0.75, 0.65][severity - 1]
    side = x.size[0]
    x = x.resize((int(side * c), int(side * c)), Image.BOX)
    return x.resize((side, side), Image.BOX)


def jpeg_compression(x, severity):
    c = [80, 65, 58, 50, 40][severity - 1]
    output = io.BytesIO()
    x.save(output, 'JPEG', quality=c)
    return Image.open(output)


EXACT = {
    "contrast": contrast,
    "brightness": brightness,
    "saturate": saturate,
    "pixelate": pixelate,
    "gaussian_blur": gaussian_blur,
    "defocus_blur": defocus_blur,
    "zoom_blur": zoom_blur,
}

# (radius, sigma, angle): the motion_blur and snow severities' radius/sigma at a few fixed angles.
MOTION_CASES = [(6, 1, 0.0), (6, 2, 37.5), (9, 2.5, -45.0), (10, 4, -100.0), (14, 12, -60.0)]


# ---------------------------------------------------------------- inputs

def make_images(rng):
    ims = {}
    with open(CIFAR_TEST, "rb") as f:
        data = np.frombuffer(f.read(), dtype=np.uint8).reshape(-1, 32, 32, 3)
    for r in CIFAR_ROWS:
        ims[f"cifar{r}"] = data[r].copy()
    # Synthetic 32x32: hue wheel, a grey ramp (saturation 0 / delta 0 paths), pure black and white,
    # saturated primaries (max ties between channels) and noise.
    yy, xx = np.mgrid[0:32, 0:32]
    hsv = np.stack([(xx / 32.0) % 1.0, np.clip(yy / 15.0, 0, 1), 0.35 + 0.65 * ((xx + yy) % 7) / 6.0], -1)
    syn = (sk.color.hsv2rgb(hsv) * 255).astype(np.uint8)
    syn[24:, :8] = np.arange(8)[None, :, None] * 36
    syn[24:28, 8:16] = 0
    syn[28:, 8:16] = 255
    syn[24:, 16:20] = [255, 0, 0]
    syn[24:, 20:24] = [255, 255, 0]
    syn[24:, 24:28] = [0, 255, 255]
    syn[24:, 28:] = rng.integers(0, 256, (8, 4, 3), dtype=np.uint8)
    ims["synthetic"] = syn
    # MNIST-sized grey image, replicated to RGB the way the TS side expands 1-channel input.
    g = np.zeros((28, 28), dtype=np.uint8)
    g[6:22, 12:16] = 255
    g[6:10, 9:16] = 200
    g += rng.integers(0, 30, (28, 28), dtype=np.uint8)
    ims["grey28"] = np.repeat(g[..., None], 3, axis=2)
    return ims


def motion_refs(ims):
    try:
        import ctypes
        from wand.api import library as wandlibrary
        from wand.image import Image as WandImage
    except ImportError:
        print("python3-wand not installed: ImageMagick motion blur references skipped", file=sys.stderr)
        return None
    wandlibrary.MagickMotionBlurImage.argtypes = (ctypes.c_void_p, ctypes.c_double, ctypes.c_double, ctypes.c_double)
    out = {}
    for name, u8 in ims.items():
        res = []
        for radius, sigma, angle in MOTION_CASES:
            buf = io.BytesIO()
            Image.fromarray(u8).save(buf, format="PNG")
            with WandImage(blob=buf.getvalue()) as w:
                wandlibrary.MagickMotionBlurImage(w.wand, radius, sigma, angle)
                blob = w.make_blob("png")
            x = cv2.imdecode(np.frombuffer(blob, np.uint8), cv2.IMREAD_UNCHANGED)
            x = np.repeat(x[..., None], 3, axis=2) if x.ndim == 2 else x[..., [2, 1, 0]]
            res.append(x)
        out[name] = np.stack(res).astype(np.uint8)
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(SEED)
    ims = make_images(rng)
    manifest = {"images": {}, "corruptions": list(EXACT), "severities": [1, 2, 3, 4, 5],
                "jpegQualities": [80, 65, 58, 50, 40], "motionCases": MOTION_CASES,
                "versions": {"numpy": np.__version__, "scipy": __import__("scipy").__version__,
                             "skimage": sk.__version__, "opencv": cv2.__version__,
                             "pillow": Image.__version__}}
    for name, u8 in ims.items():
        np.save(os.path.join(OUT, f"input_{name}.npy"), u8)
        manifest["images"][name] = list(u8.shape)
        pil = Image.fromarray(u8)
        for cname, fn in EXACT.items():
            outs = [np.uint8(fn(pil, s)) for s in range(1, 6)]
            np.save(os.path.join(OUT, f"{cname}_{name}.npy"), np.stack(outs))
        jp = [np.asarray(jpeg_compression(pil, s).convert("RGB"), dtype=np.uint8) for s in range(1, 6)]
        np.save(os.path.join(OUT, f"jpeg_{name}.npy"), np.stack(jp))
    motion = motion_refs(ims)
    if motion is not None:
        for name, arr in motion.items():
            np.save(os.path.join(OUT, f"motion_{name}.npy"), arr)
        manifest["versions"]["imagemagick"] = __import__("wand.version", fromlist=["x"]).MAGICK_VERSION
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
