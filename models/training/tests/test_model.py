import pytest
import torch

from defusionnet.model import (
    NUM_LEVELS, DeFusionNet, DeFusionNetConfig, DeFusionNetForExport, count_gflops, count_parameters,
)

TINY = dict(width=0.125, fuse_channels=8)


@pytest.mark.parametrize('height,width', [(64, 64), (96, 128), (160, 96), (320, 320)])
def test_output_shapes_follow_the_input(height, width):
    net = DeFusionNet(DeFusionNetConfig(**TINY)).eval()
    with torch.no_grad():
        out = net(torch.rand(2, 3, height, width))
    assert out['fused'].shape == (2, 1, height, width)
    assert len(out['sides']) == 3
    for step in out['sides']:
        assert len(step) == NUM_LEVELS
        for side in step:
            assert side.shape == (2, 1, height, width)


@pytest.mark.parametrize('switches', [
    dict(cam=False), dict(fam=False), dict(gap=False), dict(gmp=False),
    dict(steps=1), dict(steps=2), dict(cam=False, fam=False, steps=1),
])
def test_every_ablation_builds_and_runs(switches):
    net = DeFusionNet(DeFusionNetConfig(**TINY, **switches)).eval()
    with torch.no_grad():
        out = net(torch.rand(1, 3, 64, 96))
    assert out['fused'].shape == (1, 1, 64, 96)
    assert len(out['sides']) == switches.get('steps', 3)
    assert torch.isfinite(out['fused']).all()


def test_ablations_change_the_architecture():
    full = count_parameters(DeFusionNet(DeFusionNetConfig(**TINY)))
    assert count_parameters(DeFusionNet(DeFusionNetConfig(**TINY, cam=False))) < full
    assert count_parameters(DeFusionNet(DeFusionNetConfig(**TINY, fam=False))) < full
    assert count_parameters(DeFusionNet(DeFusionNetConfig(**TINY, steps=1))) < full


def test_channel_attention_needs_a_pooling_branch():
    with pytest.raises(ValueError, match='GAP, GMP or both'):
        DeFusionNet(DeFusionNetConfig(**TINY, gap=False, gmp=False))


def test_export_wrapper_outputs_probabilities():
    module = DeFusionNetForExport(DeFusionNet(DeFusionNetConfig(**TINY))).eval()
    with torch.no_grad():
        probability = module(torch.rand(1, 3, 64, 64))
    assert probability.shape == (1, 1, 64, 64)
    assert float(probability.min()) >= 0.0 and float(probability.max()) <= 1.0


def test_full_width_is_vgg16_sized():
    net = DeFusionNet(DeFusionNetConfig(width=1.0))
    # VGG16's 13 convs alone hold ~14.7M weights; the extra stage and refinement add more.
    assert count_parameters(net) > 14_700_000
    assert count_gflops(DeFusionNet(DeFusionNetConfig(**TINY)), 64) < count_gflops(net, 64)
