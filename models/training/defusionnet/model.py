"""DeFusionNET: defocus blur detection by recurrently fusing and refining
discriminative multi-scale deep features (Tang et al., TPAMI 2020).

The network follows the paper's structure:

* a backbone (``backbones.py``) gives 6 feature levels; each level is reduced to a
  common width;
* the 3 shallow levels are fused into FSHF, the 3 deep ones into FSEF; each
  fusion concatenates the (resized) levels, re-weights the channels with the
  Channel Attention Module (GAP and GMP) and mixes them with a 1x1 conv;
* at each recurrent step FSHF and FSEF pass the Feature Adaptation Module,
  FSEF is added into every shallow level and FSHF into every deep level, and a
  conv refines each level as a residual (the paper refines by residual learning);
  a head predicts blur on every level at every step;
* the fused output (the 6 final side outputs concatenated, 1x1 conv) is the
  result; every side output is supervised as well (deep supervision).

Departures: every conv is followed by BatchNorm; FSHF is average-pooled, not
resampled, down to the deep levels, so that the fine texture it carries does not
alias; the backbone may be the paper's VGG16 (trained from scratch here, at a channel
``width``) or an ImageNet-pretrained EfficientNet-Lite, whose finest level is at half
resolution, so that fusion and refinement cost a quarter of the VGG's.
"""

from __future__ import annotations

import dataclasses
from typing import Dict, List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from .backbones import BACKBONES, build_backbone, conv_bn_relu

NUM_LEVELS = 6
NUM_SHALLOW = 3
# What a checkpoint written before a field existed meant by leaving it out.
LEGACY_CONFIG = {'backbone': 'vgg', 'residual_refine': False, 'pool_shallow': False}


@dataclasses.dataclass(frozen=True)
class DeFusionNetConfig:
    """Everything that defines the architecture; stored in checkpoints and ONNX metadata."""

    backbone: str = 'efficientnet-lite0'
    """One of ``backbones.BACKBONES``."""
    width: float = 0.25
    """VGG channel multiplier (1.0 is the paper's VGG16); the EfficientNets ignore it."""
    fuse_channels: Optional[int] = None
    """Common width of every level after reduction; default 32, or max(16, 64 * width) for VGG."""
    steps: int = 3
    """Recurrent fuse-and-refine steps (the paper finds 3 best)."""
    cam: bool = True
    """Channel Attention Module on both fusions."""
    fam: bool = True
    """Feature Adaptation Module before each refinement."""
    gap: bool = True
    """Global average pooling branch of the CAM."""
    gmp: bool = True
    """Global max pooling branch of the CAM."""
    cam_reduction: int = 4
    """Hidden-layer ratio of the CAM's shared MLP."""
    residual_refine: bool = True
    """Each refinement adds to its level instead of replacing it."""
    pool_shallow: bool = True
    """FSHF reaches the deep levels by average pooling (False: bilinear resize, as 0.2)."""

    def __post_init__(self) -> None:
        if self.backbone not in BACKBONES:
            raise ValueError(f'unknown backbone {self.backbone!r}; choose one of {", ".join(BACKBONES)}')

    @property
    def channels(self) -> int:
        if self.fuse_channels is not None:
            return self.fuse_channels
        if self.backbone == 'vgg':
            return max(16, int(round(64 * self.width)))
        return 32

    def to_dict(self) -> Dict[str, object]:
        return dataclasses.asdict(self)

    @staticmethod
    def from_dict(values: Dict[str, object]) -> "DeFusionNetConfig":
        known = {field.name for field in dataclasses.fields(DeFusionNetConfig)}
        merged = {**LEGACY_CONFIG, **{k: v for k, v in values.items() if k in known}}
        return DeFusionNetConfig(**merged)


class ChannelAttention(nn.Module):
    """CAM: GAP and GMP descriptors through one shared MLP, summed, sigmoid gate.

    GAP sees the whole extent of a blurred region; GMP suppresses noisy
    channels. Either branch can be switched off for the paper's ablation.
    """

    def __init__(self, channels: int, reduction: int, gap: bool, gmp: bool) -> None:
        super().__init__()
        if not (gap or gmp):
            raise ValueError('the channel attention module needs GAP, GMP or both')
        hidden = max(4, channels // reduction)
        self.use_gap = gap
        self.use_gmp = gmp
        self.mlp = nn.Sequential(
            nn.Conv2d(channels, hidden, 1),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, channels, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = None
        if self.use_gap:
            logits = self.mlp(F.adaptive_avg_pool2d(x, 1))
        if self.use_gmp:
            branch = self.mlp(F.adaptive_max_pool2d(x, 1))
            logits = branch if logits is None else logits + branch
        assert logits is not None
        return x * torch.sigmoid(logits)


class FeatureFusion(nn.Module):
    """Concatenates resized levels, (CAM), 1x1 conv: builds FSHF or FSEF."""

    def __init__(self, channels: int, count: int, config: DeFusionNetConfig) -> None:
        super().__init__()
        concat = channels * count
        self.attention = (
            ChannelAttention(concat, config.cam_reduction, config.gap, config.gmp)
            if config.cam
            else nn.Identity()
        )
        self.mix = nn.Sequential(
            nn.Conv2d(concat, channels, 1, bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True),
        )

    def forward(self, levels: List[torch.Tensor]) -> torch.Tensor:
        """``levels`` finest first: the first sets the size, the coarser ones are resized to it.

        A backbone's levels are finest first, so which levels may need a resize is known
        from their order (a resize to the same size is exact); no shape test, which a
        trace would freeze.
        """
        reference = levels[0]
        resized = [reference] + [resize(level, reference) for level in levels[1:]]
        return self.mix(self.attention(torch.cat(resized, dim=1)))


class FeatureAdaptation(nn.Module):
    """FAM: a feature conv and a per-position weight map; weighted features added back."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.features = conv_bn_relu(channels, channels)
        self.weights = nn.Conv2d(channels, 1, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.features(x) * torch.sigmoid(self.weights(x))


def resize(x: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Bilinear resize of ``x`` to the spatial size of ``reference`` (ONNX-friendly)."""
    return F.interpolate(x, size=reference.shape[-2:], mode='bilinear', align_corners=False)


class DeFusionNet(nn.Module):
    """DeFusionNET. ``forward`` returns logits: the fused map and every side output."""

    def __init__(self, config: DeFusionNetConfig = DeFusionNetConfig()) -> None:
        super().__init__()
        if config.steps < 1:
            raise ValueError('steps must be at least 1')
        self.config = config
        channels = config.channels
        self.backbone = build_backbone(config.backbone, config.width)
        strides = self.backbone.strides
        # How far FSHF (at the finest level's resolution) is pooled down to each deep level.
        self.shallow_to_deep = [strides[i] // strides[0] for i in range(NUM_SHALLOW, NUM_LEVELS)]
        self.reduce = nn.ModuleList(conv_bn_relu(c, channels) for c in self.backbone.out_channels)
        self.fuse_shallow = nn.ModuleList(
            FeatureFusion(channels, NUM_SHALLOW, config) for _ in range(config.steps)
        )
        self.fuse_deep = nn.ModuleList(
            FeatureFusion(channels, NUM_LEVELS - NUM_SHALLOW, config) for _ in range(config.steps)
        )
        self.adapt_shallow = nn.ModuleList(
            FeatureAdaptation(channels) if config.fam else nn.Identity() for _ in range(config.steps)
        )
        self.adapt_deep = nn.ModuleList(
            FeatureAdaptation(channels) if config.fam else nn.Identity() for _ in range(config.steps)
        )
        self.refine = nn.ModuleList(
            nn.ModuleList(conv_bn_relu(channels, channels) for _ in range(NUM_LEVELS))
            for _ in range(config.steps)
        )
        self.heads = nn.ModuleList(
            nn.ModuleList(nn.Conv2d(channels, 1, 3, padding=1) for _ in range(NUM_LEVELS))
            for _ in range(config.steps)
        )
        self.fuse_output = nn.Conv2d(NUM_LEVELS, 1, 1)
        self._init_weights()

    def _init_weights(self) -> None:
        """He init everywhere; a pretrained backbone is loaded over it afterwards (pretrained.py)."""
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode='fan_out', nonlinearity='relu')
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
        # Heads start near "half blurred" with small weights, so early side losses are sane.
        for step_heads in self.heads:
            for head in step_heads:
                nn.init.normal_(head.weight, std=0.01)
        nn.init.constant_(self.fuse_output.weight, 1.0 / NUM_LEVELS)
        nn.init.zeros_(self.fuse_output.bias)

    def forward(self, x: torch.Tensor) -> Dict[str, object]:
        """``x``: RGB in 0..1 [N,3,H,W], H and W multiples of 32 (the backbone normalises it).

        Returns ``{'fused': [N,1,H,W] logits, 'sides': steps x 6 logits at input size}``.
        """
        levels = [reduce(level) for reduce, level in zip(self.reduce, self.backbone(x))]
        shallow, deep = levels[:NUM_SHALLOW], levels[NUM_SHALLOW:]
        sides: List[List[torch.Tensor]] = []
        for step in range(self.config.steps):
            fshf = self.adapt_shallow[step](self.fuse_shallow[step](shallow))
            fsef = self.adapt_deep[step](self.fuse_deep[step](deep))
            refine = self.refine[step]
            shallow = [
                self._refined(refine[i], level, resize(fsef, level)) for i, level in enumerate(shallow)
            ]
            deep = [
                self._refined(refine[NUM_SHALLOW + i], level, self._shallow_at(fshf, level, i))
                for i, level in enumerate(deep)
            ]
            heads = self.heads[step]
            sides.append([resize(heads[i](level), x) for i, level in enumerate(shallow + deep)])
        fused = self.fuse_output(torch.cat(sides[-1], dim=1))
        return {'fused': fused, 'sides': sides}

    def _refined(self, refine: nn.Module, level: torch.Tensor, other: torch.Tensor) -> torch.Tensor:
        """One level after one step: the other group's fused features added, then a conv."""
        update = refine(level + other)
        return level + update if self.config.residual_refine else update

    def _shallow_at(self, fshf: torch.Tensor, level: torch.Tensor, deep_index: int) -> torch.Tensor:
        """FSHF at a deep level's size: an average over each block (a box filter, no aliasing)."""
        if not self.config.pool_shallow:
            return resize(fshf, level)
        factor = self.shallow_to_deep[deep_index]
        return F.avg_pool2d(fshf, kernel_size=factor, stride=factor)


class DeFusionNetForExport(nn.Module):
    """The model-file contract: RGB in 0..1 in, blur probability out.

    The backbone's input normalisation and the sigmoid live inside the graph, so the
    studio never needs to know how the network was trained. ``logit_scale`` multiplies
    the logits before the sigmoid (calibration.py): above 1 the map is more decided.
    """

    def __init__(self, net: DeFusionNet, logit_scale: float = 1.0) -> None:
        super().__init__()
        self.net = net
        self.logit_scale = float(logit_scale)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        logits = self.net(image)['fused']
        if self.logit_scale != 1.0:
            logits = logits * self.logit_scale
        return torch.sigmoid(logits)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def count_gflops(model: DeFusionNet, size: int = 320) -> float:
    """Multiply-accumulates x2 of convs (the dominant cost), for one image of size x size."""
    total = 0

    def hook(module: nn.Conv2d, _inputs, output: torch.Tensor) -> None:
        nonlocal total
        kh, kw = module.kernel_size
        per_output = (module.in_channels // module.groups) * kh * kw
        total += 2 * per_output * output.numel()

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    model.train(was_training)
    for handle in handles:
        handle.remove()
    return total / 1e9
