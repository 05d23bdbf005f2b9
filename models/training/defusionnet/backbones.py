"""The encoders DeFusionNET can sit on, each giving 6 feature levels, finest first.

* ``vgg``: the paper's VGG16 (conv1_2 .. conv5_3 plus one extra pooled stage), with a
  channel ``width`` multiplier and BatchNorm after every conv so that it trains from
  scratch; strides 1, 2, 4, 8, 16, 32.
* ``efficientnet-lite0|1|2``: EfficientNet-Lite (Tan and Le, 2019; the Lite variants
  drop squeeze-and-excitation and use ReLU6 so that they quantise well). The definition
  is this project's own; its parameter names follow the published PyTorch conversion of
  the TensorFlow checkpoints, so those ImageNet weights load into it unchanged
  (``pretrained.py``). Levels are taken after the stages of stride 2, 4, 8, 16, 16 and 32.

Each backbone carries its own input normalisation, so the network takes RGB in 0..1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

BACKBONES = ('vgg', 'efficientnet-lite0', 'efficientnet-lite1', 'efficientnet-lite2')

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class Backbone(nn.Module):
    """An encoder: ``forward(rgb 0..1) -> 6 levels``; ``strides`` and ``out_channels`` per level."""

    strides: Tuple[int, ...]
    out_channels: List[int]

    def __init__(self, mean: Sequence[float], std: Sequence[float]) -> None:
        super().__init__()
        # Not persistent: the numbers belong to the architecture, not to a checkpoint,
        # so checkpoints written before normalisation moved in here still load.
        self.register_buffer('input_mean', torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1), persistent=False)
        self.register_buffer('input_std', torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1), persistent=False)

    def normalise(self, rgb: torch.Tensor) -> torch.Tensor:
        return (rgb - self.input_mean) / self.input_std


def conv_bn_relu(in_ch: int, out_ch: int, kernel: int = 3) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_ch, out_ch, kernel, padding=kernel // 2, bias=False),
        nn.BatchNorm2d(out_ch),
        nn.ReLU(inplace=True),
    )


# VGG16 stages: (output channels at width 1.0, number of 3x3 convs), plus the extra
# sixth level the paper adds: a pooled stage with two convs.
VGG16_STAGES = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3), (512, 2))


def scaled(channels: int, width: float) -> int:
    return max(8, int(round(channels * width)))


class VggBackbone(Backbone):
    """VGG16-style encoder; ImageNet normalisation (the paper's VGG16 was trained with it)."""

    strides = (1, 2, 4, 8, 16, 32)

    def __init__(self, width: float) -> None:
        super().__init__(IMAGENET_MEAN, IMAGENET_STD)
        stages: List[nn.Module] = []
        in_ch = 3
        self.out_channels = []
        for base, convs in VGG16_STAGES:
            out_ch = scaled(base, width)
            layers = [conv_bn_relu(in_ch if i == 0 else out_ch, out_ch) for i in range(convs)]
            stages.append(nn.Sequential(*layers))
            self.out_channels.append(out_ch)
            in_ch = out_ch
        self.stages = nn.ModuleList(stages)

    def forward(self, rgb: torch.Tensor) -> List[torch.Tensor]:
        x = self.normalise(rgb)
        levels = []
        for index, stage in enumerate(self.stages):
            if index > 0:
                x = F.max_pool2d(x, kernel_size=2, stride=2)
            x = stage(x)
            levels.append(x)
        return levels


@dataclass(frozen=True)
class LiteStage:
    repeats: int
    kernel: int
    stride: int
    expand: int
    channels: int


# EfficientNet-Lite stages (from the published architecture: the Lite variants keep
# the stem at 32 channels and do not scale the first and last stage's repeats).
LITE_STAGES = {
    'efficientnet-lite0': (
        LiteStage(1, 3, 1, 1, 16), LiteStage(2, 3, 2, 6, 24), LiteStage(2, 5, 2, 6, 40), LiteStage(3, 3, 2, 6, 80),
        LiteStage(3, 5, 1, 6, 112), LiteStage(4, 5, 2, 6, 192), LiteStage(1, 3, 1, 6, 320),
    ),
    'efficientnet-lite1': (
        LiteStage(1, 3, 1, 1, 16), LiteStage(3, 3, 2, 6, 24), LiteStage(3, 5, 2, 6, 40), LiteStage(4, 3, 2, 6, 80),
        LiteStage(4, 5, 1, 6, 112), LiteStage(5, 5, 2, 6, 192), LiteStage(1, 3, 1, 6, 320),
    ),
    'efficientnet-lite2': (
        LiteStage(1, 3, 1, 1, 16), LiteStage(3, 3, 2, 6, 24), LiteStage(3, 5, 2, 6, 48), LiteStage(4, 3, 2, 6, 88),
        LiteStage(4, 5, 1, 6, 120), LiteStage(5, 5, 2, 6, 208), LiteStage(1, 3, 1, 6, 352),
    ),
}
LITE_STEM = 32
# The stages after which a level is taken: strides 2, 4, 8, 16, 16, 32.
LITE_LEVEL_STAGES = (0, 1, 2, 3, 4, 6)
# The TensorFlow checkpoints were trained on RGB scaled to -1..1 ((x - 127) / 128 in 0..255).
LITE_MEAN = (127.0 / 255.0,) * 3
LITE_STD = (128.0 / 255.0,) * 3
# TensorFlow's BatchNorm defaults the checkpoints were trained with.
LITE_BN_EPS = 1e-3
LITE_BN_MOMENTUM = 0.01


def relu6(x: torch.Tensor) -> torch.Tensor:
    """ReLU6 as a clamp: the same function and the same ONNX Clip, but with a bfloat16
    backward on CPU, which torch 1.13's hardtanh lacks."""
    return x.clamp(0.0, 6.0)


def same_padding(kernel: int, stride: int) -> Tuple[int, int, int, int]:
    """TensorFlow's SAME padding for an even-sized input, as (left, right, top, bottom).

    With stride 2 it is one pixel more on the right and bottom than on the left and top;
    the pretrained weights expect exactly that alignment. Inputs are multiples of 32, so
    every stride-2 layer sees an even size.
    """
    total = kernel - stride
    before = total // 2
    after = total - before
    return (before, after, before, after)


class LiteBlock(nn.Module):
    """MBConv without squeeze-and-excitation: 1x1 expand, depthwise, 1x1 project, residual."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int, stride: int, expand: int) -> None:
        super().__init__()
        hidden = in_ch * expand
        self.has_expand = expand != 1
        if self.has_expand:
            self._expand_conv = nn.Conv2d(in_ch, hidden, 1, bias=False)
            self._bn0 = nn.BatchNorm2d(hidden, eps=LITE_BN_EPS, momentum=LITE_BN_MOMENTUM)
        self.padding = same_padding(kernel, stride)
        self._depthwise_conv = nn.Conv2d(hidden, hidden, kernel, stride=stride, groups=hidden, bias=False)
        self._bn1 = nn.BatchNorm2d(hidden, eps=LITE_BN_EPS, momentum=LITE_BN_MOMENTUM)
        self._project_conv = nn.Conv2d(hidden, out_ch, 1, bias=False)
        self._bn2 = nn.BatchNorm2d(out_ch, eps=LITE_BN_EPS, momentum=LITE_BN_MOMENTUM)
        self.residual = stride == 1 and in_ch == out_ch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = relu6(self._bn0(self._expand_conv(x))) if self.has_expand else x
        y = relu6(self._bn1(self._depthwise_conv(F.pad(y, self.padding))))
        y = self._bn2(self._project_conv(y))
        return x + y if self.residual else y


class EfficientNetLiteBackbone(Backbone):
    """EfficientNet-Lite without its classifier head; parameter names match the pretrained files."""

    def __init__(self, name: str) -> None:
        super().__init__(LITE_MEAN, LITE_STD)
        if name not in LITE_STAGES:
            raise ValueError(f'unknown EfficientNet-Lite variant {name!r}; choose one of {sorted(LITE_STAGES)}')
        self.name = name
        self.stem_padding = same_padding(3, 2)
        self._conv_stem = nn.Conv2d(3, LITE_STEM, 3, stride=2, bias=False)
        self._bn0 = nn.BatchNorm2d(LITE_STEM, eps=LITE_BN_EPS, momentum=LITE_BN_MOMENTUM)
        blocks: List[nn.Module] = []
        self.stage_ends: List[int] = []
        in_ch = LITE_STEM
        for stage in LITE_STAGES[name]:
            for repeat in range(stage.repeats):
                stride = stage.stride if repeat == 0 else 1
                blocks.append(LiteBlock(in_ch, stage.channels, stage.kernel, stride, stage.expand))
                in_ch = stage.channels
            self.stage_ends.append(len(blocks) - 1)
        # One flat list, named as in the pretrained files (_blocks.0 .. _blocks.N).
        self._blocks = nn.ModuleList(blocks)
        stages = LITE_STAGES[name]
        self.out_channels = [stages[i].channels for i in LITE_LEVEL_STAGES]
        self.level_blocks = frozenset(self.stage_ends[i] for i in LITE_LEVEL_STAGES)
        self.strides = (2, 4, 8, 16, 16, 32)

    def forward(self, rgb: torch.Tensor) -> List[torch.Tensor]:
        x = relu6(self._bn0(self._conv_stem(F.pad(self.normalise(rgb), self.stem_padding))))
        levels = []
        for index, block in enumerate(self._blocks):
            x = block(x)
            if index in self.level_blocks:
                levels.append(x)
        return levels


def build_backbone(name: str, width: float) -> Backbone:
    """``width`` scales the VGG backbone only; the EfficientNet variants are their own widths."""
    if name == 'vgg':
        return VggBackbone(width)
    if name in LITE_STAGES:
        return EfficientNetLiteBackbone(name)
    raise ValueError(f'unknown backbone {name!r}; choose one of {", ".join(BACKBONES)}')

