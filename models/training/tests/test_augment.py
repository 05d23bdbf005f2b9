import random

import numpy as np
import pytest
import torch

from defusionnet import augment, data, stream, synthetic
from defusionnet.augment import AugmentConfig, Augmenter


def photo(seed=0, height=120, width=160):
    rng = np.random.default_rng(seed)
    image = (rng.random((height, width, 3)) * 255).astype(np.uint8)
    mask = np.zeros((height, width), np.uint8)
    mask[:, width // 2:] = 255  # right half blurred
    return data.Sample('p', image, mask)


def test_synthetic_defocus_on_a_labelled_photo_is_exact():
    sample = photo()
    image, mask = synthetic.defocus_more(sample.image, sample.mask, random.Random(3), radius=(4.0, 4.0))
    added = (mask > 127) & (sample.mask <= 127)
    assert added.any(), 'some sharp pixels were blurred'
    untouched = mask <= 127
    # Sharp pixels outside the region are byte for byte the photo's; inside it they changed.
    assert np.array_equal(image[untouched], sample.image[untouched])
    assert np.abs(image[added].astype(int) - sample.image[added].astype(int)).mean() > 10
    # The photo's own blurred pixels stay labelled blurred.
    assert (mask[sample.mask > 127] == 255).all()
    assert set(np.unique(mask)) <= {0, 255}


def test_a_sharp_window_holds_no_blurred_pixel_and_none_is_found_where_all_is_blurred():
    sample = photo()
    window = augment.sharp_window(sample.mask, random.Random(0), min_side=40)
    assert window is not None
    left, top, right, bottom = window
    assert right - left >= 40 and bottom - top >= 40
    assert (sample.mask[top:bottom, left:right] > 127).mean() <= 0.005
    assert augment.sharp_window(np.full((120, 160), 255, np.uint8), random.Random(0), 40) is None


def test_all_sharp_and_all_blurred_samples_have_uniform_targets():
    sample = photo()
    sharp = Augmenter(AugmentConfig(size=64, sharp_window_probability=1.0, jpeg_probability=0, jitter=0),
                      random.Random(1))
    image, target = sharp(sample, [])
    assert image.shape == (64, 64, 3) and (target == 0).all()
    blurred = Augmenter(AugmentConfig(size=64, all_blurred_probability=1.0, jpeg_probability=0, jitter=0),
                        random.Random(1))
    image, target = blurred(sample, [])
    assert (target == 1).all()


def test_the_whole_photo_is_squeezed_to_a_square_as_detection_does():
    sample = photo(height=60, width=200)  # 10:3, squeezed, not cropped
    plain = Augmenter(AugmentConfig(size=64, window_probability=0, jpeg_probability=0, jitter=0), random.Random(5))
    _, target = plain(sample, [])
    assert target.shape == (64, 64)
    # The blurred right half stays the right half (or the left, after a mirror flip).
    assert target.mean() == pytest.approx(0.5, abs=0.03)
    assert abs(target[:, :32].mean() - target[:, 32:].mean()) > 0.9


def test_batches_do_not_depend_on_how_many_workers_build_them():
    samples = [photo(seed) for seed in range(5)]
    config = AugmentConfig(size=32, synthetic_probability=0.5)
    here = stream.batches(samples, [], config, 3, seed=2, start_batch=1)
    there = stream.batches(samples, [], config, 3, seed=2, start_batch=1, workers=2)
    for _ in range(4):
        (a_images, a_targets), (b_images, b_targets) = next(here), next(there)
        assert torch.equal(a_images, b_images) and torch.equal(a_targets, b_targets)
