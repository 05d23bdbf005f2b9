import numpy as np

from defusionnet import data
from defusionnet.metrics import MetricAccumulator
from defusionnet.model_card import constant_map_metrics
from defusionnet.sharp_crops import blurred_shares, sharp_crops, summarise


def labelled(blurred_columns: int, size=(200, 300)) -> data.Sample:
    rng = np.random.default_rng(blurred_columns)
    mask = np.zeros(size, np.uint8)
    mask[:, size[1] - blurred_columns:] = 255
    return data.Sample(f'p{blurred_columns}', (rng.random((*size, 3)) * 255).astype(np.uint8), mask)


def test_crops_come_from_the_sharp_part_only_and_photos_without_one_give_none():
    samples = [labelled(100), labelled(300)]  # the second is blurred all over
    crops = sharp_crops(samples, min_side=128)
    assert len(crops) == 1
    assert min(crops[0].shape[:2]) >= 128 and crops[0].shape[1] <= 200


def test_shares_count_the_pixels_called_blurred():
    crops = sharp_crops([labelled(50), labelled(60)], min_side=64)
    always_blurred = blurred_shares(lambda batch: np.ones((1, 1, 64, 64), np.float32), crops, 64)
    never_blurred = blurred_shares(lambda batch: np.zeros((1, 1, 64, 64), np.float32), crops, 64)
    assert always_blurred == [1.0, 1.0] and never_blurred == [0.0, 0.0]
    assert summarise(always_blurred)['mostly_blurred'] == 1.0
    assert summarise([]) is None


def test_the_all_blurred_baseline_scores_the_blur_share():
    samples = [labelled(75, size=(100, 100))]  # 75 % blurred
    summary = constant_map_metrics(samples, 1.0)
    assert summary['mae'] == 0.25 and summary['iou'] == 0.75
    reference = MetricAccumulator()
    reference.add(np.ones((100, 100), np.float32), samples[0].mask)
    assert summary == reference.summary()
