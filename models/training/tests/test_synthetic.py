import random

import numpy as np

from defusionnet import synthetic


def test_disk_kernel_is_normalised_and_round():
    kernel = synthetic.disk_kernel(4.0)
    assert abs(kernel.sum() - 1.0) < 1e-6
    assert kernel.shape == (9, 9)
    assert kernel[4, 4] > 0 and kernel[0, 0] == 0


def test_disk_blur_keeps_flat_areas_and_softens_edges():
    image = np.zeros((40, 40, 3), np.uint8)
    image[:, 20:] = 200
    blurred = synthetic.disk_blur(image, 4.0)
    assert blurred.shape == image.shape
    assert blurred[20, 5, 0] == 0 and blurred[20, 35, 0] == 200
    assert 0 < blurred[20, 20, 0] < 200


def test_defocus_label_is_exact():
    rng = random.Random(0)
    image = (np.random.default_rng(0).random((64, 80, 3)) * 255).astype(np.uint8)
    blurred, mask = synthetic.defocus(image, rng)
    assert set(np.unique(mask)) <= {0, 255}
    sharp = mask == 0
    assert np.array_equal(blurred[sharp], image[sharp])
    assert 0.05 <= (mask == 255).mean() <= 0.95


def test_disk_blur_is_centred_and_does_not_wrap():
    image = np.zeros((60, 80, 3), np.uint8)
    image[30, 40] = 255
    blurred = synthetic.disk_blur(image, 5.0).astype(np.float64)[..., 0]
    ys, xs = np.nonzero(blurred)
    weights = blurred[ys, xs]
    assert abs((ys * weights).sum() / weights.sum() - 30) < 0.01
    assert abs((xs * weights).sum() / weights.sum() - 40) < 0.01
    edge = np.zeros((60, 80, 3), np.uint8)
    edge[-3:] = 255  # bright bottom rows must not leak into the top ones
    assert synthetic.disk_blur(edge, 5.0)[:10].max() == 0
