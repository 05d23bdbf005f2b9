import numpy as np
import pytest

from defusionnet.metrics import BETA2, MetricAccumulator


def test_perfect_prediction_scores_perfectly():
    gt = np.zeros((10, 10), np.uint8)
    gt[:, :4] = 255
    metrics = MetricAccumulator()
    metrics.add((gt > 127).astype(np.float32), gt)
    summary = metrics.summary()
    assert summary['mae'] == 0.0
    assert summary['mean_f'] == pytest.approx(1.0)
    assert summary['max_f'] == pytest.approx(1.0)
    assert summary['iou'] == pytest.approx(1.0)


def test_known_values_for_a_half_right_prediction():
    gt = np.zeros((4, 4), np.uint8)
    gt[:2] = 255  # 8 blurred pixels
    prediction = np.zeros((4, 4), np.float32)
    prediction[:, :2] = 1.0  # 8 predicted, 4 of them right
    metrics = MetricAccumulator()
    metrics.add(prediction, gt)
    summary = metrics.summary()
    precision = recall = 0.5
    expected_f = (1 + BETA2) * precision * recall / (BETA2 * precision + recall)
    assert summary['mae'] == pytest.approx(0.5)
    assert summary['mean_f'] == pytest.approx(expected_f)
    assert summary['iou'] == pytest.approx(4 / 12)


def test_max_f_is_at_least_f_at_half():
    rng = np.random.default_rng(1)
    metrics = MetricAccumulator()
    for _ in range(3):
        gt = (rng.random((32, 32)) > 0.5).astype(np.uint8) * 255
        metrics.add(np.clip((gt / 255.0) * 0.6 + rng.random((32, 32)) * 0.4, 0, 1), gt)
    summary = metrics.summary()
    assert summary['max_f'] >= summary['mean_f'] - 1e-9


def test_size_mismatch_is_refused():
    with pytest.raises(ValueError, match='differ in size'):
        MetricAccumulator().add(np.zeros((4, 4)), np.zeros((4, 5), np.uint8))


def test_adaptive_f_is_meaningful_when_most_of_the_photo_is_blurred():
    """A map that is right but mostly blurred: 2 x mean > 1, so a clamp to 1 selected nothing."""
    gt = np.zeros((20, 20), np.uint8)
    gt[:, 5:] = 255  # 75 % blurred
    prediction = np.where(gt > 127, 0.9, 0.1).astype(np.float32)  # mean 0.7
    metrics = MetricAccumulator()
    metrics.add(prediction, gt)
    assert metrics.summary()['adaptive_f'] == pytest.approx(1.0)
    assert metrics.summary()['mean_f'] == pytest.approx(1.0)


def test_adaptive_threshold_mirrors_for_the_minority_class():
    from defusionnet.metrics import adaptive_mask
    sparse = np.array([0.0, 0.0, 0.0, 0.4, 0.6])  # mean 0.2: blurred where p >= 0.4
    assert adaptive_mask(sparse).tolist() == [False, False, False, True, True]
    dense = 1.0 - sparse  # mean 0.8: sharp where 1 - p >= 0.4, i.e. blurred where p > 0.6
    assert adaptive_mask(dense).tolist() == [True, True, True, False, False]
