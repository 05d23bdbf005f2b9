"""Synthetic defocus: blur regions of a sharp photo with a disk PSF.

A thin lens images an out-of-focus point as a uniform disk (the circle of
confusion), so a disk kernel, not a Gaussian, is the physically right blur.
Masks are random smooth blobs or object-like shapes (ellipses and polygons, the
background or the foreground being blurred), so that a photo without a mask
still teaches the network where defocus is.
"""

from __future__ import annotations

import math
import random
from typing import Tuple

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def disk_kernel(radius: float) -> np.ndarray:
    """Normalised disk PSF of the given radius in pixels, anti-aliased at the rim."""
    size = int(math.ceil(radius)) * 2 + 1
    centre = size // 2
    y, x = np.mgrid[:size, :size] - centre
    distance = np.sqrt(x * x + y * y)
    kernel = np.clip(radius + 0.5 - distance, 0.0, 1.0)
    return kernel / kernel.sum()


def disk_blur(image: np.ndarray, radius: float) -> np.ndarray:
    """Convolves an HxWx3 uint8 image with a disk PSF (FFT, edge-padded)."""
    if radius < 0.5:
        return image.copy()
    kernel = disk_kernel(radius)
    pad = kernel.shape[0] // 2
    padded = np.pad(image.astype(np.float32), ((pad, pad), (pad, pad), (0, 0)), mode='reflect')
    height, width = padded.shape[:2]
    kernel_fft = np.fft.rfft2(kernel, s=(height, width))
    out = np.empty_like(padded)
    for channel in range(3):
        out[..., channel] = np.fft.irfft2(np.fft.rfft2(padded[..., channel]) * kernel_fft, s=(height, width))
    # The FFT product is a circular convolution with the kernel's centre at (pad, pad), so
    # the centred result of padded pixel i sits at i + pad; the image's own pixels start
    # at padded index pad, hence a shift of 2 * pad before cropping.
    out = np.roll(out, shift=(-2 * pad, -2 * pad), axis=(0, 1))[: height - 2 * pad, : width - 2 * pad]
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def random_mask(height: int, width: int, rng: random.Random) -> np.ndarray:
    """A binary mask (uint8, 255 = to blur) shaped like defocus in real photos."""
    kind = rng.random()
    canvas = Image.new('L', (width, height), 0)
    draw = ImageDraw.Draw(canvas)
    if kind < 0.4:
        # An in-focus subject (ellipse or polygon) in front of a blurred background.
        canvas = Image.new('L', (width, height), 255)
        draw = ImageDraw.Draw(canvas)
        _subject(draw, width, height, rng, fill=0)
    elif kind < 0.7:
        # Blurred foreground or background band: depth changes along one direction.
        cut = rng.uniform(0.3, 0.7)
        angle = rng.uniform(-0.6, 0.6)
        ys = np.arange(height)[:, None] / height
        xs = np.arange(width)[None, :] / width
        band = (ys - cut - angle * (xs - 0.5)) > 0
        if rng.random() < 0.5:
            band = ~band
        canvas = Image.fromarray((band * 255).astype(np.uint8))
    else:
        # Smooth random blobs.
        noise = np.asarray(
            Image.fromarray((np.random.default_rng(rng.randrange(2**32)).random((8, 8)) * 255).astype(np.uint8))
            .resize((width, height), Image.BICUBIC),
            dtype=np.float32,
        )
        canvas = Image.fromarray(((noise > 127) * 255).astype(np.uint8))
    canvas = canvas.filter(ImageFilter.MedianFilter(5))
    mask = np.asarray(canvas)
    # Never all-blurred or all-sharp: both classes teach something.
    fraction = (mask > 127).mean()
    if fraction < 0.05 or fraction > 0.95:
        return random_mask(height, width, rng)
    return mask


def _subject(draw: ImageDraw.ImageDraw, width: int, height: int, rng: random.Random, fill: int) -> None:
    cx, cy = rng.uniform(0.25, 0.75) * width, rng.uniform(0.25, 0.75) * height
    rx, ry = rng.uniform(0.12, 0.35) * width, rng.uniform(0.15, 0.4) * height
    if rng.random() < 0.5:
        draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=fill)
    else:
        points = []
        corners = rng.randint(5, 9)
        for i in range(corners):
            theta = 2 * math.pi * i / corners + rng.uniform(-0.3, 0.3)
            scale = rng.uniform(0.6, 1.0)
            points.append((cx + rx * scale * math.cos(theta), cy + ry * scale * math.sin(theta)))
        draw.polygon(points, fill=fill)


def defocus(image: np.ndarray, rng: random.Random, radius: Tuple[float, float] = (2.0, 8.0)) -> Tuple[np.ndarray, np.ndarray]:
    """Blurs a random region of a sharp photo. Returns (image, mask 255 = blurred).

    The blurred and sharp parts are composited with the hard mask, so the label is
    exact; the radius is at least 2 px, below which defocus is not visible at the
    network's input scale.
    """
    height, width = image.shape[:2]
    mask = random_mask(height, width, rng)
    blurred = disk_blur(image, rng.uniform(*radius))
    selected = (mask > 127)[..., None]
    return np.where(selected, blurred, image), np.where(mask > 127, 255, 0).astype(np.uint8)


def defocus_more(image: np.ndarray, mask: np.ndarray, rng: random.Random,
                 radius: Tuple[float, float] = (2.0, 8.0)) -> Tuple[np.ndarray, np.ndarray]:
    """Blurs a random region of a labelled photo and adds it to its mask (255 = blurred).

    Already-blurred pixels in the region only get blurrier, so the union is exact; the
    photo's sharp parts are what this teaches about, in the photo's own content.
    """
    height, width = image.shape[:2]
    region = random_mask(height, width, rng) > 127
    blurred = disk_blur(image, rng.uniform(*radius))
    out = np.where(region[..., None], blurred, image)
    return out, np.where(region | (mask > 127), 255, 0).astype(np.uint8)
