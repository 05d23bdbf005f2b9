"""Training data: CTCUG/CUHK folders, a studio database's dataset, synthetic defocus.

Every source yields (RGB uint8 HxWx3, mask uint8 HxW with 255 = blurred) pairs.
Images are decoded once and kept in memory, downscaled so that their longer side
is at most ``max_side``: the network sees 320-ish inputs, and decoding 600 JPEGs
every epoch would cost more than a CPU training step. ``augment.py`` turns a sample
into what the network trains on, ``stream.py`` samples into batches.
"""

from __future__ import annotations

import io
import os
import random
import sqlite3
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from PIL import Image, ImageOps

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


@dataclass
class Sample:
    name: str
    image: np.ndarray  # HxWx3 uint8 RGB
    mask: Optional[np.ndarray]  # HxW uint8, 255 = blurred; None for unlabelled photos


def load_rgb(path_or_bytes, max_side: int) -> Image.Image:
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, (bytes, bytearray)) else path_or_bytes
    with Image.open(source) as raw:
        image = ImageOps.exif_transpose(raw).convert('RGB')
    return shrink(image, max_side, Image.BICUBIC)


def load_mask(path_or_bytes, size: Tuple[int, int]) -> Image.Image:
    """Reads a mask as grayscale (RGBA masks occur in CUHK), resized to ``size`` if needed."""
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, (bytes, bytearray)) else path_or_bytes
    with Image.open(source) as raw:
        mask = raw.convert('L')
    if mask.size != size:
        mask = mask.resize(size, Image.BILINEAR)
    return mask


def shrink(image: Image.Image, max_side: int, resample: int) -> Image.Image:
    scale = max_side / max(image.size)
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, resample)


def find_pairs(folder: str) -> List[Tuple[str, str, str]]:
    """(stem, image path, mask path) for a CTCUG/CUHK folder: ``images/`` + ``gt/``.

    Image extensions are matched case-insensitively (CUHK has upper-case .JPG);
    an image without a mask is skipped.
    """
    images_dir = os.path.join(folder, 'images')
    gt_dir = os.path.join(folder, 'gt')
    if not os.path.isdir(images_dir) or not os.path.isdir(gt_dir):
        raise FileNotFoundError(f'{folder}: expected images/ and gt/ folders (CTCUG layout)')
    masks = {}
    for name in os.listdir(gt_dir):
        stem, ext = os.path.splitext(name)
        if ext.lower() in IMAGE_EXTENSIONS:
            masks[stem] = os.path.join(gt_dir, name)
    pairs = []
    for name in sorted(os.listdir(images_dir)):
        stem, ext = os.path.splitext(name)
        if ext.lower() in IMAGE_EXTENSIONS and stem in masks:
            pairs.append((stem, os.path.join(images_dir, name), masks[stem]))
    return pairs


def load_folder(folder: str, max_side: int) -> List[Sample]:
    samples = []
    for stem, image_path, mask_path in find_pairs(folder):
        image = load_rgb(image_path, max_side)
        mask = load_mask(mask_path, image.size)
        samples.append(Sample(stem, np.asarray(image), np.asarray(mask)))
    return samples


def load_studio_dataset(db_path: str, dataset: str, max_side: int, split: str = 'train') -> List[Sample]:
    """Reads a dataset straight from a studio SQLite file.

    Only the current mask of each photo whose status is corrected or reviewed is
    used: predicted masks are the model's own guesses and would teach it nothing.
    Photos are read from their library root on disk.
    """
    connection = sqlite3.connect(f'file:{db_path}?mode=ro', uri=True)
    try:
        rows = connection.execute(
            """
            SELECT p.id, r.path, p.rel_path, mv.png
              FROM datasets d
              JOIN dataset_items di ON di.dataset_id = d.id
              JOIN photos p ON p.id = di.photo_id
              JOIN library_roots r ON r.id = p.root_id
              JOIN masks m ON m.dataset_id = d.id AND m.photo_id = p.id
              JOIN mask_versions mv ON mv.id = m.current_version_id
             WHERE d.name = ? AND di.split = ? AND di.status IN ('corrected', 'reviewed')
             ORDER BY p.id
            """,
            (dataset, split),
        ).fetchall()
    finally:
        connection.close()
    samples = []
    for photo_id, root, rel_path, png in rows:
        image = load_rgb(os.path.join(root, rel_path), max_side)
        mask = load_mask(bytes(png), image.size)
        samples.append(Sample(f'photo-{photo_id}', np.asarray(image), np.asarray(mask)))
    return samples


def load_unlabelled(folder: str, max_side: int) -> List[Sample]:
    """Sharp photos for synthetic defocus: every image file below ``folder``."""
    samples = []
    for dirpath, _dirs, files in os.walk(folder):
        for name in sorted(files):
            if os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS:
                image = load_rgb(os.path.join(dirpath, name), max_side)
                samples.append(Sample(name, np.asarray(image), None))
    return samples


def split_holdout(samples: Sequence[Sample], fraction: float, seed: int) -> Tuple[List[Sample], List[Sample]]:
    """Deterministic train/validation split by name, independent of load order."""
    ordered = sorted(samples, key=lambda s: s.name)
    rng = random.Random(seed)
    rng.shuffle(ordered)
    count = int(round(len(ordered) * fraction))
    return ordered[count:], ordered[:count]


def split_three(samples: Sequence[Sample], report_fraction: float, select_fraction: float,
                seed: int) -> Tuple[List[Sample], List[Sample], List[Sample]]:
    """(train, select, report): report is exactly ``split_holdout``'s held-out share, so
    numbers on it compare with earlier models; select is drawn from the rest with another
    seed and chooses the checkpoint; neither is trained on.
    """
    rest, report = split_holdout(samples, report_fraction, seed)
    count = int(round(len(samples) * select_fraction))
    ordered = sorted(rest, key=lambda s: s.name)
    random.Random(seed + 7919).shuffle(ordered)
    return ordered[count:], ordered[:count], report


def evaluation_tensor(sample: Sample, size: int) -> Tuple[torch.Tensor, np.ndarray]:
    """The whole photo resized to size x size (as the studio runs it), and its GT mask."""
    image = Image.fromarray(sample.image).resize((size, size), Image.BILINEAR)
    tensor = torch.from_numpy(np.asarray(image, dtype=np.float32) / 255.0).permute(2, 0, 1)[None]
    assert sample.mask is not None
    return tensor, sample.mask


def resize_probability(probability: np.ndarray, shape: Tuple[int, int]) -> np.ndarray:
    """Probability map (float 0..1) back to the GT's height x width."""
    image = Image.fromarray(probability.astype(np.float32), mode='F')
    return np.asarray(image.resize((shape[1], shape[0]), Image.BILINEAR), dtype=np.float32)


__all__ = [
    'Sample', 'evaluation_tensor', 'find_pairs', 'load_folder', 'load_studio_dataset',
    'load_unlabelled', 'resize_probability', 'split_holdout', 'split_three',
]

