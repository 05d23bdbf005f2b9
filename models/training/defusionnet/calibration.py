"""Output calibration for MAE: one number, the logit scale, fit on training photos.

The trainer minimises BCE, whose best answer is a calibrated probability. MAE, the
number DBD papers report, is lowest for a decided map: for a 0/1 target the absolute
error is smallest at the median, 0 or 1. Multiplying the logits by a scale s > 1 before
the sigmoid moves the map that way without moving where it crosses 0.5, so F at 0.5 and
IoU stay as they are. The scale is fit on training photos, never on the held-out ones,
and the smallest scale on the grid within ``tolerance`` of the grid's best MAE is kept:
the map stays soft enough for the studio's threshold slider and prediction brush.
"""

from __future__ import annotations

from typing import Callable, List, Sequence, Tuple

import numpy as np

from . import data as data_module
from .evaluate import probability_at_gt

GRID: Tuple[float, ...] = (1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0)
TOLERANCE = 0.005


def scaled(probability: np.ndarray, scale: float) -> np.ndarray:
    """sigmoid(scale * logit(p)): the map a model with this logit scale would give."""
    if scale == 1.0:
        return probability
    p = np.clip(probability.astype(np.float64), 1e-7, 1 - 1e-7)
    logits = np.log(p / (1 - p)) * scale
    return (0.5 * (1 + np.tanh(0.5 * logits))).astype(np.float32)


def probability_maps(predict: Callable[[np.ndarray], np.ndarray], samples: Sequence[data_module.Sample],
                     size: int) -> List[Tuple[np.ndarray, np.ndarray]]:
    """(probability at the GT's resolution, GT as 0/1) for each sample, as the studio runs the model."""
    return [(probability_at_gt(predict, sample, size), (sample.mask > 127).astype(np.float32)) for sample in samples]


def mean_absolute_error(maps: Sequence[Tuple[np.ndarray, np.ndarray]], scale: float) -> float:
    """MAE averaged over photos (each photo's own mean first, as the metrics do)."""
    return float(np.mean([np.abs(scaled(p, scale) - gt).mean() for p, gt in maps]))


def fit_logit_scale(maps: Sequence[Tuple[np.ndarray, np.ndarray]], grid: Sequence[float] = GRID,
                    tolerance: float = TOLERANCE) -> Tuple[float, List[Tuple[float, float]]]:
    """The smallest scale on ``grid`` whose MAE is within ``tolerance`` of the best; and every (scale, MAE)."""
    table = [(float(scale), round(mean_absolute_error(maps, scale), 5)) for scale in sorted(grid)]
    best = min(mae for _, mae in table)
    chosen = next(scale for scale, mae in table if mae <= best + tolerance)
    return chosen, table
