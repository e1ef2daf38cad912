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
  seeded_stats.json       for the random corruptions (the originals with np.random, frost excepted): mean |out - in|
                          mean (out - in) and the standard error of the mean |out - in| per severity over STAT_DRAWS draws on each 32x32 image; the TS
                          re-implementations must land close (their draws differ, their distributions should not)
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
import skimage.util
from PIL import Image
from scipy.ndimage import map_coordinates
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


def motion_image(x, radius, sigma, angle):
    """Wand MotionBlurImage round trip through PNG, as the original's MotionImage class."""
    import ctypes
    from wand.api import library as wandlibrary
    from wand.image import Image as WandImage
    wandlibrary.MagickMotionBlurImage.argtypes = (ctypes.c_void_p, ctypes.c_double, ctypes.c_double, ctypes.c_double)
    buf = io.BytesIO()
    x.save(buf, format="PNG")
    with WandImage(blob=buf.getvalue()) as w:
        wandlibrary.MagickMotionBlurImage(w.wand, radius, sigma, angle)
        blob = w.make_blob("png")
    return cv2.imdecode(np.frombuffer(blob, np.uint8), cv2.IMREAD_UNCHANGED)


def gaussian_noise(x, severity):
    c = [0.04, 0.06, .08, .09, .10][severity - 1]
    x = np.array(x) / 255.
    return np.clip(x + np.random.normal(size=x.shape, scale=c), 0, 1) * 255


def shot_noise(x, severity):
    c = [500, 250, 100, 75, 50][severity - 1]
    x = np.array(x) / 255.
    return np.clip(np.random.poisson(x * c) / c, 0, 1) * 255


def impulse_noise(x, severity):
    c = [.01, .02, .03, .05, .07][severity - 1]
    x = sk.util.random_noise(np.array(x) / 255., mode='s&p', amount=c)
    return np.clip(x, 0, 1) * 255


def speckle_noise(x, severity):
    c = [.06, .1, .12, .16, .2][severity - 1]
    x = np.array(x) / 255.
    return np.clip(x + x * np.random.normal(size=x.shape, scale=c), 0, 1) * 255


def glass_blur(x, severity):
    c = [(0.05, 1, 1), (0.25, 1, 1), (0.4, 1, 1), (0.25, 1, 2), (0.4, 1, 2)][severity - 1]
    x = np.uint8(gaussian(np.array(x) / 255., c[0]) * 255)
    for i in range(c[2]):
        for h in range(32 - c[1], c[1], -1):
            for w in range(32 - c[1], c[1], -1):
                dx, dy = np.random.randint(-c[1], c[1], size=(2,))
                h_prime, w_prime = h + dy, w + dx
                x[h, w], x[h_prime, w_prime] = x[h_prime, w_prime], x[h, w]
    return np.clip(gaussian(x / 255., c[0]), 0, 1) * 255


def motion_blur(x, severity):
    c = [(6, 1), (6, 1.5), (6, 2), (8, 2), (9, 2.5)][severity - 1]
    x = motion_image(x, c[0], c[1], np.random.uniform(-45, 45))
    if x.shape != (32, 32):
        return np.clip(x[..., [2, 1, 0]], 0, 255)
    return np.clip(np.array([x, x, x]).transpose((1, 2, 0)), 0, 255)


def plasma_fractal(mapsize=32, wibbledecay=3):
    assert (mapsize & (mapsize - 1) == 0)
    maparray = np.empty((mapsize, mapsize), dtype=np.float64)
    maparray[0, 0] = 0
    stepsize = mapsize
    wibble = 100

    def wibbledmean(array):
        return array / 4 + wibble * np.random.uniform(-wibble, wibble, array.shape)

    def fillsquares():
        cornerref = maparray[0:mapsize:stepsize, 0:mapsize:stepsize]
        squareaccum = cornerref + np.roll(cornerref, shift=-1, axis=0)
        squareaccum += np.roll(squareaccum, shift=-1, axis=1)
        maparray[stepsize // 2:mapsize:stepsize, stepsize // 2:mapsize:stepsize] = wibbledmean(squareaccum)

    def filldiamonds():
        mapsize_ = maparray.shape[0]
        drgrid = maparray[stepsize // 2:mapsize_:stepsize, stepsize // 2:mapsize_:stepsize]
        ulgrid = maparray[0:mapsize_:stepsize, 0:mapsize_:stepsize]
        ltsum = drgrid + np.roll(drgrid, 1, axis=0) + ulgrid + np.roll(ulgrid, -1, axis=1)
        maparray[0:mapsize_:stepsize, stepsize // 2:mapsize_:stepsize] = wibbledmean(ltsum)
        ttsum = drgrid + np.roll(drgrid, 1, axis=1) + ulgrid + np.roll(ulgrid, -1, axis=0)
        maparray[stepsize // 2:mapsize_:stepsize, 0:mapsize_:stepsize] = wibbledmean(ttsum)

    while stepsize >= 2:
        fillsquares()
        filldiamonds()
        stepsize //= 2
        wibble /= wibbledecay
    maparray -= maparray.min()
    return maparray / maparray.max()


def fog(x, severity):
    c = [(.2, 3), (.5, 3), (0.75, 2.5), (1, 2), (1.5, 1.75)][severity - 1]
    x = np.array(x) / 255.
    max_val = x.max()
    x += c[0] * plasma_fractal(wibbledecay=c[1])[:32, :32][..., np.newaxis]
    return np.clip(x * max_val / (max_val + c[0]), 0, 1) * 255


def snow(x, severity):
    c = [(0.1, 0.2, 1, 0.6, 8, 3, 0.95), (0.1, 0.2, 1, 0.5, 10, 4, 0.9), (0.15, 0.3, 1.75, 0.55, 10, 4, 0.9),
         (0.25, 0.3, 2.25, 0.6, 12, 6, 0.85), (0.3, 0.3, 1.25, 0.65, 14, 12, 0.8)][severity - 1]
    x = np.array(x, dtype=np.float32) / 255.
    snow_layer = np.random.normal(size=x.shape[:2], loc=c[0], scale=c[1])
    snow_layer = clipped_zoom(snow_layer[..., np.newaxis], c[2])
    snow_layer[snow_layer < c[3]] = 0
    snow_layer = Image.fromarray((np.clip(snow_layer.squeeze(), 0, 1) * 255).astype(np.uint8), mode='L')
    snow_layer = motion_image(snow_layer, c[4], c[5], np.random.uniform(-135, -45)) / 255.
    snow_layer = snow_layer[..., np.newaxis]
    x = c[6] * x + (1 - c[6]) * np.maximum(x, cv2.cvtColor(x, cv2.COLOR_RGB2GRAY).reshape(32, 32, 1) * 1.5 + 0.5)
    return np.clip(x + snow_layer + np.rot90(snow_layer, k=2), 0, 1) * 255


def spatter(x, severity):
    c = [(0.62, 0.1, 0.7, 0.7, 0.5, 0), (0.65, 0.1, 0.8, 0.7, 0.5, 0), (0.65, 0.3, 1, 0.69, 0.5, 0),
         (0.65, 0.1, 0.7, 0.69, 0.6, 1), (0.65, 0.1, 0.5, 0.68, 0.6, 1)][severity - 1]
    x = np.array(x, dtype=np.float32) / 255.
    liquid_layer = np.random.normal(size=x.shape[:2], loc=c[0], scale=c[1])
    liquid_layer = sk.filters.gaussian(liquid_layer, sigma=c[2])
    liquid_layer[liquid_layer < c[3]] = 0
    if c[5] == 0:
        liquid_layer = (liquid_layer * 255).astype(np.uint8)
        dist = 255 - cv2.Canny(liquid_layer, 50, 150)
        dist = cv2.distanceTransform(dist, cv2.DIST_L2, 5)
        _, dist = cv2.threshold(dist, 20, 20, cv2.THRESH_TRUNC)
        dist = cv2.blur(dist, (3, 3)).astype(np.uint8)
        dist = cv2.equalizeHist(dist)
        ker = np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])
        dist = cv2.filter2D(dist, cv2.CV_8U, ker)
        dist = cv2.blur(dist, (3, 3)).astype(np.float32)
        m = cv2.cvtColor(liquid_layer * dist, cv2.COLOR_GRAY2BGRA)
        m /= np.max(m, axis=(0, 1))
        m *= c[4]
        color = np.concatenate((175 / 255. * np.ones_like(m[..., :1]), 238 / 255. * np.ones_like(m[..., :1]),
                                238 / 255. * np.ones_like(m[..., :1])), axis=2)
        color = cv2.cvtColor(color, cv2.COLOR_BGR2BGRA)
        x = cv2.cvtColor(x, cv2.COLOR_BGR2BGRA)
        return cv2.cvtColor(np.clip(x + m * color, 0, 1), cv2.COLOR_BGRA2BGR) * 255
    m = np.where(liquid_layer > c[3], 1, 0)
    m = sk.filters.gaussian(m.astype(np.float32), sigma=c[4])
    m[m < 0.8] = 0
    color = np.concatenate((63 / 255. * np.ones_like(x[..., :1]), 42 / 255. * np.ones_like(x[..., :1]),
                            20 / 255. * np.ones_like(x[..., :1])), axis=2)
    color *= m[..., np.newaxis]
    x *= (1 - m[..., np.newaxis])
    return np.clip(x + color, 0, 1) * 255


def elastic_transform(image, severity):
    IMSIZE = 32
    c = [(IMSIZE * 0, IMSIZE * 0, IMSIZE * 0.08), (IMSIZE * 0.05, IMSIZE * 0.2, IMSIZE * 0.07),
         (IMSIZE * 0.08, IMSIZE * 0.06, IMSIZE * 0.06), (IMSIZE * 0.1, IMSIZE * 0.04, IMSIZE * 0.05),
         (IMSIZE * 0.1, IMSIZE * 0.03, IMSIZE * 0.03)][severity - 1]
    image = np.array(image, dtype=np.float32) / 255.
    shape = image.shape
    shape_size = shape[:2]
    center_square = np.float32(shape_size) // 2
    square_size = min(shape_size) // 3
    pts1 = np.float32([center_square + square_size, [center_square[0] + square_size, center_square[1] - square_size],
                       center_square - square_size])
    pts2 = pts1 + np.random.uniform(-c[2], c[2], size=pts1.shape).astype(np.float32)
    M = cv2.getAffineTransform(pts1, pts2)
    image = cv2.warpAffine(image, M, shape_size[::-1], borderMode=cv2.BORDER_REFLECT_101)
    dx = (sk.filters.gaussian(np.random.uniform(-1, 1, size=shape[:2]), c[1], mode='reflect', truncate=3) * c[0]).astype(np.float32)
    dy = (sk.filters.gaussian(np.random.uniform(-1, 1, size=shape[:2]), c[1], mode='reflect', truncate=3) * c[0]).astype(np.float32)
    dx, dy = dx[..., np.newaxis], dy[..., np.newaxis]
    x, y, z = np.meshgrid(np.arange(shape[1]), np.arange(shape[0]), np.arange(shape[2]))
    indices = np.reshape(y + dy, (-1, 1)), np.reshape(x + dx, (-1, 1)), np.reshape(z, (-1, 1))
    return np.clip(map_coordinates(image, indices, order=1, mode='reflect').reshape(shape), 0, 1) * 255


SEEDED = {
    "gaussian_noise": gaussian_noise, "shot_noise": shot_noise, "impulse_noise": impulse_noise,
    "speckle_noise": speckle_noise, "glass_blur": glass_blur, "motion_blur": motion_blur, "snow": snow,
    "fog": fog, "spatter": spatter, "elastic_transform": elastic_transform,
}
STAT_DRAWS = 40


def within_image_se(values, n_images):
    """Standard error of the overall mean from draw-to-draw spread only (the images are fixed, not sampled)."""
    per_image = np.array(values).reshape(n_images, -1)
    return np.sqrt((per_image.var(axis=1, ddof=1) / per_image.shape[1]).sum()) / n_images


def seeded_stats(ims):
    """Per corruption: per severity, mean |out - in| and mean (out - in) over the 32x32 images and draws."""
    np.random.seed(SEED)
    names = [n for n, u8 in ims.items() if u8.shape == (32, 32, 3)]
    stats = {"images": names, "draws": STAT_DRAWS, "corruptions": {}}
    for cname, fn in SEEDED.items():
        rows = []
        for s in range(1, 6):
            absd, signed = [], []
            for name in names:
                pil = Image.fromarray(ims[name])
                clean = ims[name].astype(np.float64)
                for _ in range(STAT_DRAWS):
                    d = np.uint8(fn(pil, s)).astype(np.float64) - clean
                    absd.append(np.abs(d).mean())
                    signed.append(d.mean())
            rows.append({"meanAbs": round(float(np.mean(absd)), 4), "meanSigned": round(float(np.mean(signed)), 4),
                         "seAbs": round(float(within_image_se(absd, len(names))), 4)})
        stats["corruptions"][cname] = rows
        print(cname, rows, file=sys.stderr)
    return stats


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
    if motion is not None:
        with open(os.path.join(OUT, "seeded_stats.json"), "w") as f:
            json.dump(seeded_stats(ims), f, indent=1)
            f.write("\n")
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
