"""Training samples as detection sees photos: the whole frame squeezed to a square.

The studio resizes every photo, whatever its aspect, to ``size x size`` before the
network sees it (electron/core/detect/preprocess.ts). Training does the same, so the
network learns blur at the scale and anisotropy it meets at detection. On top of that:

* a window of the photo (60-100 % of each side) instead of the whole frame, half the time;
* synthetic defocus on the labelled photo itself: a disk-PSF blur of a random region,
  added to the mask (exact: the composite is hard-edged);
* all-sharp windows: a window inside the photo's sharp area, labelled all sharp, so that
  a photo sharp all over is not called partly blurred;
* all-blurred photos: the whole frame disk-blurred, labelled all blurred;
* flips, JPEG re-encoding and colour jitter, none of which changes what is blurred.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import numpy as np
from PIL import Image, ImageOps

from . import synthetic
from .data import Sample


@dataclass
class AugmentConfig:
    size: int = 320
    """Side of the square the photo is squeezed to (detection's input size)."""
    window_probability: float = 0.5
    """Chance of a window of the photo instead of the whole frame."""
    window_share: Tuple[float, float] = (0.6, 1.0)
    """A window's side as a share of the photo's, drawn for each side separately."""
    jitter: float = 0.2
    jpeg_probability: float = 0.3
    synthetic_probability: float = 0.0
    """Chance of synthetic defocus (on a photo from the sharp pool, else on the sample itself)."""
    sharp_window_probability: float = 0.0
    """Chance of an all-sharp window of the sample's sharp area."""
    all_blurred_probability: float = 0.0
    """Chance of the whole photo disk-blurred and labelled all blurred."""
    blur_radius: Tuple[float, float] = (2.0, 8.0)
    """Disk radius in pixels of the stored photo (at most --max-side on its long side)."""


def sharp_window(mask: np.ndarray, rng: random.Random, min_side: int, tries: int = 40) -> Optional[Tuple[int, int, int, int]]:
    """A window (left, top, right, bottom) with at most 0.5 % blurred pixels, or None.

    Windows are drawn at random, largest first, and checked with an integral image.
    ``min_side`` bounds the upscale to the network's size, which would itself soften it.
    """
    height, width = mask.shape
    if min(height, width) < min_side:
        return None
    blurred = (mask > 127).astype(np.int64)
    integral = np.pad(blurred.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    for attempt in range(tries):
        shrink = 1.0 - 0.6 * attempt / tries
        side_w = max(min_side, int(width * shrink * rng.uniform(0.5, 1.0)))
        side_h = max(min_side, int(height * shrink * rng.uniform(0.5, 1.0)))
        side_w, side_h = min(side_w, width), min(side_h, height)
        left = rng.randint(0, width - side_w)
        top = rng.randint(0, height - side_h)
        right, bottom = left + side_w, top + side_h
        count = integral[bottom, right] - integral[top, right] - integral[bottom, left] + integral[top, left]
        if count <= 0.005 * side_w * side_h:
            return left, top, right, bottom
    return None


class Augmenter:
    """Turns a sample into (RGB float HxWx3 in 0..1, target HxW in {0,1}) at ``size x size``."""

    def __init__(self, config: AugmentConfig, rng: random.Random) -> None:
        self.config = config
        self.rng = rng

    def __call__(self, sample: Sample, sharp_pool: Sequence[Sample]) -> Tuple[np.ndarray, np.ndarray]:
        cfg, rng = self.config, self.rng
        image, mask, window = self._content(sample, sharp_pool)
        pil_image = Image.fromarray(image)
        pil_mask = Image.fromarray(mask)
        if window is None and rng.random() < cfg.window_probability:
            window = self._random_window(pil_image.size)
        if window is not None:
            pil_image, pil_mask = pil_image.crop(window), pil_mask.crop(window)
        square = (cfg.size, cfg.size)
        pil_image = pil_image.resize(square, Image.BILINEAR)
        pil_mask = pil_mask.resize(square, Image.BILINEAR)

        if rng.random() < 0.5:
            pil_image = ImageOps.mirror(pil_image)
            pil_mask = ImageOps.mirror(pil_mask)
        if rng.random() < 0.1:
            pil_image = ImageOps.flip(pil_image)
            pil_mask = ImageOps.flip(pil_mask)
        if rng.random() < cfg.jpeg_probability:
            buffer = io.BytesIO()
            pil_image.save(buffer, format='JPEG', quality=rng.randint(40, 95))
            buffer.seek(0)
            pil_image = Image.open(buffer).convert('RGB')

        array = np.asarray(pil_image, dtype=np.float32) / 255.0
        if cfg.jitter > 0:
            array = self._colour_jitter(array)
        target = (np.asarray(pil_mask, dtype=np.float32) / 255.0 > 0.5).astype(np.float32)
        return array, target

    def _content(self, sample: Sample, sharp_pool: Sequence[Sample]):
        """(image, mask 255 = blurred, fixed window or None) before geometry."""
        cfg, rng = self.config, self.rng
        if sample.mask is None:  # an unlabelled sharp photo: synthetic defocus is its only label
            image, mask = synthetic.defocus(sample.image, rng, cfg.blur_radius)
            return image, mask, None
        draw = rng.random()
        if draw < cfg.all_blurred_probability:
            radius = rng.uniform(*cfg.blur_radius)
            return synthetic.disk_blur(sample.image, radius), np.full(sample.mask.shape, 255, np.uint8), None
        draw -= cfg.all_blurred_probability
        if draw < cfg.sharp_window_probability:
            window = sharp_window(sample.mask, rng, min_side=cfg.size // 2)
            if window is not None:
                return sample.image, np.zeros(sample.mask.shape, np.uint8), window
        draw -= cfg.sharp_window_probability
        if draw < cfg.synthetic_probability:
            if sharp_pool:
                image, mask = synthetic.defocus(rng.choice(sharp_pool).image, rng, cfg.blur_radius)
                return image, mask, None
            return (*synthetic.defocus_more(sample.image, sample.mask, rng, cfg.blur_radius), None)
        return sample.image, sample.mask, None

    def _random_window(self, size: Tuple[int, int]) -> Tuple[int, int, int, int]:
        width, height = size
        low, high = self.config.window_share
        side_w = max(1, round(width * self.rng.uniform(low, high)))
        side_h = max(1, round(height * self.rng.uniform(low, high)))
        left = self.rng.randint(0, width - side_w)
        top = self.rng.randint(0, height - side_h)
        return left, top, left + side_w, top + side_h

    def _colour_jitter(self, array: np.ndarray) -> np.ndarray:
        """Brightness, contrast and saturation; never blur or sharpen, which would change the label."""
        jitter, rng = self.config.jitter, self.rng
        brightness = 1 + rng.uniform(-jitter, jitter)
        contrast = 1 + rng.uniform(-jitter, jitter)
        saturation = 1 + rng.uniform(-jitter, jitter)
        gray = array.mean(axis=2, keepdims=True)
        array = gray + (array - gray) * saturation
        array = (array - array.mean()) * contrast + array.mean()
        return np.clip(array * brightness, 0.0, 1.0)
