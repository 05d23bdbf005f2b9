"""DBD metrics as the literature reports them (and as the studio's evaluator computes them).

* MAE between the probability map (0..1) and the binary GT;
* F-measure with beta^2 = 0.3, blur as the positive class: ``mean_f`` at threshold 0.5,
  ``max_f`` the maximum over 256 thresholds of the F averaged over images, ``adaptive_f``
  at the adaptive threshold (``adaptive_mask``);
* IoU of the mask at 0.5.

Every per-image value is computed at the GT's own resolution, then averaged over images.
"""

from __future__ import annotations

from typing import Dict, List

import numpy as np

BETA2 = 0.3
THRESHOLDS = np.arange(256) / 255.0


def f_measure(precision: np.ndarray, recall: np.ndarray) -> np.ndarray:
    denominator = BETA2 * precision + recall
    return np.where(denominator > 0, (1 + BETA2) * precision * recall / np.maximum(denominator, 1e-12), 0.0)


def adaptive_mask(prob: np.ndarray) -> np.ndarray:
    """The map cut at the adaptive threshold: twice the map's mean, for its minority class.

    "Above twice the mean" picks out a class that covers little of the image, as salient
    objects do. Blur usually covers most of a DBD photo; there 2 x mean exceeds 1 and a
    clamp to 1 would select (almost) nothing. So when the map's mean is above 0.5 the rule
    is applied to the sharp class instead, the mirror image: sharp where 1 - p >= 2 (1 - mean),
    i.e. blurred where p > 2 mean - 1.
    """
    mean = float(prob.mean())
    if mean <= 0.5:
        return prob >= 2 * mean
    return prob > 2 * mean - 1


class MetricAccumulator:
    """Adds images one at a time; ``summary()`` gives the dataset-level numbers."""

    def __init__(self) -> None:
        self.mae: List[float] = []
        self.f_at_half: List[float] = []
        self.adaptive_f: List[float] = []
        self.iou: List[float] = []
        self.f_curves: List[np.ndarray] = []

    def add(self, probability: np.ndarray, gt: np.ndarray) -> None:
        """``probability``: float 0..1, ``gt``: uint8 or bool (255/True = blurred), same shape."""
        if probability.shape != gt.shape:
            raise ValueError(f'prediction {probability.shape} and GT {gt.shape} differ in size')
        truth = gt > 127 if gt.dtype == np.uint8 else gt.astype(bool)
        prob = np.clip(probability.astype(np.float64), 0.0, 1.0)
        self.mae.append(float(np.abs(prob - truth).mean()))

        positives = truth.sum()
        # Histogram trick: counts of GT-positive and all pixels per 8-bit level give
        # precision/recall at all 256 thresholds in O(pixels).
        levels = np.clip(np.round(prob * 255), 0, 255).astype(np.int64)
        hit = np.bincount(levels[truth], minlength=256)[::-1].cumsum()[::-1]
        predicted = np.bincount(levels.ravel(), minlength=256)[::-1].cumsum()[::-1]
        precision = np.where(predicted > 0, hit / np.maximum(predicted, 1), 0.0)
        recall = hit / positives if positives > 0 else np.zeros(256)
        self.f_curves.append(f_measure(precision, recall))

        binary = prob >= 0.5
        self.f_at_half.append(float(self._f(binary, truth)))
        adaptive = adaptive_mask(prob)
        self.adaptive_f.append(float(self._f(adaptive, truth)))
        union = np.logical_or(binary, truth).sum()
        self.iou.append(float(np.logical_and(binary, truth).sum() / union) if union else 1.0)

    @staticmethod
    def _f(binary: np.ndarray, truth: np.ndarray) -> float:
        tp = np.logical_and(binary, truth).sum()
        predicted = binary.sum()
        positives = truth.sum()
        precision = tp / predicted if predicted else 0.0
        recall = tp / positives if positives else 0.0
        return float(f_measure(np.array(precision), np.array(recall)))

    def summary(self) -> Dict[str, float]:
        if not self.mae:
            raise ValueError('no images were evaluated')
        return {
            'images': len(self.mae),
            'mae': float(np.mean(self.mae)),
            'mean_f': float(np.mean(self.f_at_half)),
            'max_f': float(np.mean(self.f_curves, axis=0).max()),
            'adaptive_f': float(np.mean(self.adaptive_f)),
            'iou': float(np.mean(self.iou)),
        }
