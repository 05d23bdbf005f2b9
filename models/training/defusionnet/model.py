"""DeFusionNET: defocus blur detection by recurrently fusing and refining
discriminative multi-scale deep features (Tang et al., TPAMI 2020).

The network follows the paper's structure:

* a VGG16-style backbone gives 6 feature levels (conv1_2 .. conv5_3 and one
  extra pooled stage); each level is reduced to a common width;
* the 3 shallow levels are fused into FSHF, the 3 deep ones into FSEF; each
  fusion concatenates the (resized) levels, re-weights the channels with the
  Channel Attention Module and mixes them with a 1x1 conv;
* at each recurrent step FSHF and FSEF pass the Feature Adaptation Module,
  FSEF is added into every shallow level and FSHF into every deep level, and a
  conv refines each level; a head predicts blur on every level at every step;
* the fused output (the 6 final side outputs concatenated, 1x1 conv) is the
  result; every side output is supervised as well (deep supervision).

Departures, because no ImageNet weights can be used here and the default model
trains on a CPU: every conv is followed by BatchNorm, the backbone's channel
widths are scaled by ``width`` (1.0 = VGG16), and weights use He init.
"""

from __future__ import annotations

import dataclasses
from typing import Dict, List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

# VGG16 stages: (output channels at width 1.0, number of 3x3 convs).
VGG16_STAGES = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))
# The extra sixth level: a pooled stage with two convs, as in the paper's backbone.
EXTRA_STAGE = (512, 2)
NUM_LEVELS = 6
NUM_SHALLOW = 3

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclasses.dataclass(frozen=True)
class DeFusionNetConfig:
    """Everything that defines the architecture; stored in checkpoints and ONNX metadata."""

    width: float = 0.25
    """Backbone channel multiplier; 1.0 is the paper's VGG16."""
    fuse_channels: Optional[int] = None
    """Common width of every level after reduction; default max(16, 64 * width)."""
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

    @property
    def channels(self) -> int:
        if self.fuse_channels is not None:
            return self.fuse_channels
        return max(16, int(round(64 * self.width)))

    def to_dict(self) -> Dict[str, object]:
        return dataclasses.asdict(self)

    @staticmethod
    def from_dict(values: Dict[str, object]) -> "DeFusionNetConfig":
        known = {field.name for field in dataclasses.fields(DeFusionNetConfig)}
        return DeFusionNetConfig(**{k: v for k, v in values.items() if k in known})


def conv_bn_relu(in_ch: int, out_ch: int, kernel: int = 3) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_ch, out_ch, kernel, padding=kernel // 2, bias=False),
        nn.BatchNorm2d(out_ch),
        nn.ReLU(inplace=True),
    )


def scaled(channels: int, width: float) -> int:
    return max(8, int(round(channels * width)))


class Backbone(nn.Module):
    """VGG16-style encoder returning the 6 feature levels, finest first."""

    def __init__(self, width: float) -> None:
        super().__init__()
        stages: List[nn.Module] = []
        in_ch = 3
        self.out_channels: List[int] = []
        for base, convs in VGG16_STAGES + (EXTRA_STAGE,):
            out_ch = scaled(base, width)
            layers = [conv_bn_relu(in_ch if i == 0 else out_ch, out_ch) for i in range(convs)]
            stages.append(nn.Sequential(*layers))
            self.out_channels.append(out_ch)
            in_ch = out_ch
        self.stages = nn.ModuleList(stages)

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        levels = []
        for index, stage in enumerate(self.stages):
            if index > 0:
                x = F.max_pool2d(x, kernel_size=2, stride=2)
            x = stage(x)
            levels.append(x)
        return levels


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

        Every backbone level is half the size of the one before, so which levels need a
        resize is known from their order; no shape test, which a trace would freeze.
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
        self.backbone = Backbone(config.width)
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
        """``x``: normalised RGB [N,3,H,W], H and W multiples of 32.

        Returns ``{'fused': [N,1,H,W] logits, 'sides': steps x 6 logits at input size}``.
        """
        levels = [reduce(level) for reduce, level in zip(self.reduce, self.backbone(x))]
        shallow, deep = levels[:NUM_SHALLOW], levels[NUM_SHALLOW:]
        sides: List[List[torch.Tensor]] = []
        for step in range(self.config.steps):
            fshf = self.adapt_shallow[step](self.fuse_shallow[step](shallow))
            fsef = self.adapt_deep[step](self.fuse_deep[step](deep))
            refine = self.refine[step]
            shallow = [refine[i](level + resize(fsef, level)) for i, level in enumerate(shallow)]
            deep = [
                refine[NUM_SHALLOW + i](level + resize(fshf, level)) for i, level in enumerate(deep)
            ]
            heads = self.heads[step]
            sides.append([resize(heads[i](level), x) for i, level in enumerate(shallow + deep)])
        fused = self.fuse_output(torch.cat(sides[-1], dim=1))
        return {'fused': fused, 'sides': sides}


class DeFusionNetForExport(nn.Module):
    """The model-file contract: RGB in 0..1 in, blur probability out.

    ImageNet normalisation and the sigmoid live inside the graph, so the studio
    never needs to know how the network was trained. ``logit_scale`` multiplies the
    logits before the sigmoid (calibration.py): above 1 the map is more decided.
    """

    def __init__(self, net: DeFusionNet, logit_scale: float = 1.0) -> None:
        super().__init__()
        self.net = net
        self.logit_scale = float(logit_scale)
        self.register_buffer('mean', torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer('std', torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        logits = self.net((image - self.mean) / self.std)['fused']
        if self.logit_scale != 1.0:
            logits = logits * self.logit_scale
        return torch.sigmoid(logits)


def normalize(image: torch.Tensor) -> torch.Tensor:
    """ImageNet mean/std normalisation of RGB in 0..1."""
    mean = image.new_tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = image.new_tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return (image - mean) / std


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
