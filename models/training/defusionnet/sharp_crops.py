"""How much of a photo that is sharp all over does a model call blurred?

A landscape in focus from front to back must come out sharp. CUHK's photos are nearly
all partly blurred, so its metrics cannot show a model that has learnt "every photo is
partly blurred". This check cuts, from each labelled photo, the largest window that its
mask marks sharp (at the photo's own resolution, at least ``min_side`` pixels a side),
runs the model on the window as the studio would (squeezed to ``size x size``), and
reports the share of pixels called blurred (probability >= 0.5). Ideal: 0.
"""

from __future__ import annotations

import random
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
from PIL import Image

from .augment import sharp_window
from .data import Sample

MIN_SIDE = 128


def sharp_crops(samples: Sequence[Sample], min_side: int = MIN_SIDE, seed: int = 0) -> List[np.ndarray]:
    """One in-focus window per photo that has one (the first found, largest first), as RGB uint8."""
    crops = []
    for index, sample in enumerate(samples):
        assert sample.mask is not None
        window = sharp_window(sample.mask, random.Random(seed * 100_003 + index), min_side, tries=200)
        if window is not None:
            left, top, right, bottom = window
            crops.append(sample.image[top:bottom, left:right])
    return crops


def blurred_shares(predict: Callable[[np.ndarray], np.ndarray], crops: Sequence[np.ndarray], size: int) -> List[float]:
    shares = []
    for crop in crops:
        image = Image.fromarray(crop).resize((size, size), Image.BILINEAR)
        batch = (np.asarray(image, dtype=np.float32) / 255.0).transpose(2, 0, 1)[None]
        probability = predict(np.ascontiguousarray(batch))[0, 0]
        shares.append(float((probability >= 0.5).mean()))
    return shares


def summarise(shares: Sequence[float]) -> Optional[Dict[str, float]]:
    """Median and 90th percentile of the blurred share, and how many crops are called mostly blurred."""
    if not shares:
        return None
    values = np.asarray(shares)
    return {
        'crops': int(values.size),
        'median_blurred_share': float(np.median(values)),
        'p90_blurred_share': float(np.percentile(values, 90)),
        'mostly_blurred': float((values > 0.5).mean()),
    }
