"""Training losses over the fused output and every side output (deep supervision).

``bce``: binary cross-entropy per pixel. ``bce+iou``: BCE plus the soft IoU loss of the
blurred class per image, a structure loss that weighs a region by its share of the
photo rather than by its pixel count, so small sharp subjects count.
"""

from __future__ import annotations

from typing import Any, Dict

import torch
import torch.nn.functional as F

LOSSES = ('bce', 'bce+iou')


def soft_iou_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """1 - soft IoU of the blurred class, per image, averaged; defined for all-sharp targets too."""
    probability = torch.sigmoid(logits)
    intersection = (probability * target).sum(dim=(1, 2, 3))
    union = (probability + target - probability * target).sum(dim=(1, 2, 3))
    return (1 - (intersection + 1) / (union + 1)).mean()


def output_loss(logits: torch.Tensor, target: torch.Tensor, kind: str) -> torch.Tensor:
    logits = logits.float()  # under bf16 autocast the loss is still taken in float32
    loss = F.binary_cross_entropy_with_logits(logits, target)
    if kind == 'bce+iou':
        loss = loss + soft_iou_loss(logits, target)
    elif kind != 'bce':
        raise ValueError(f'unknown loss {kind!r}; choose one of {", ".join(LOSSES)}')
    return loss


def training_loss(outputs: Dict[str, Any], target: torch.Tensor, side_weight: float, kind: str = 'bce') -> torch.Tensor:
    """The fused output's loss plus every side output's, each step's sides weighted 1/steps."""
    loss = output_loss(outputs['fused'], target, kind)
    steps = len(outputs['sides'])
    for step_sides in outputs['sides']:
        for side in step_sides:
            loss = loss + side_weight * output_loss(side, target, kind) / steps
    return loss
