"""Shared fixtures: a tiny CTCUG folder of real-looking photos with exact masks."""

from __future__ import annotations

import os
import random
import sys

import numpy as np
import pytest
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from defusionnet import synthetic  # noqa: E402

torch.set_num_threads(1)


def textured_photo(rng: np.random.Generator, size: int) -> np.ndarray:
    """Sharp, edge-rich content: random rectangles and stripes over noise."""
    image = (rng.random((size, size, 3)) * 60 + 100).astype(np.float32)
    for _ in range(12):
        x0, y0 = rng.integers(0, size - 8, 2)
        x1, y1 = x0 + rng.integers(4, size // 2), y0 + rng.integers(4, size // 2)
        image[y0:y1, x0:x1] = rng.integers(0, 255, 3)
    stripes = ((np.arange(size) // 3) % 2 * 80)[None, :, None]
    image[: size // 3] += stripes
    return np.clip(image, 0, 255).astype(np.uint8)


@pytest.fixture(scope='session')
def tiny_dataset(tmp_path_factory) -> str:
    """8 pairs in the CTCUG layout (images/ + gt/, 255 = blurred), one RGBA mask, one .JPG."""
    root = tmp_path_factory.mktemp('tiny')
    os.makedirs(root / 'images')
    os.makedirs(root / 'gt')
    rng = np.random.default_rng(0)
    py_rng = random.Random(0)
    for index in range(8):
        photo = textured_photo(rng, 96)
        blurred, mask = synthetic.defocus(photo, py_rng, radius=(3.0, 5.0))
        extension = '.JPG' if index == 0 else '.jpg'
        Image.fromarray(blurred).save(root / 'images' / f'img{index}{extension}', quality=95)
        mask_image = Image.fromarray(mask)
        if index == 1:
            mask_image = mask_image.convert('RGBA')
        mask_image.save(root / 'gt' / f'img{index}.png')
    return str(root)
