import pytest
import torch

from defusionnet.model import (
    NUM_LEVELS, DeFusionNet, DeFusionNetConfig, DeFusionNetForExport, count_gflops, count_parameters,
)

TINY = dict(backbone='vgg', width=0.125, fuse_channels=8)


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
    net = DeFusionNet(DeFusionNetConfig(backbone='vgg', width=1.0))
    # VGG16's 13 convs alone hold ~14.7M weights; the extra stage and refinement add more.
    assert count_parameters(net) > 14_700_000
    assert count_gflops(DeFusionNet(DeFusionNetConfig(**TINY)), 64) < count_gflops(net, 64)


def test_checkpoints_without_the_new_fields_load_as_what_they_were():
    legacy = {'width': 0.25, 'fuse_channels': None, 'steps': 3, 'cam': True, 'fam': True, 'gap': True, 'gmp': True,
              'cam_reduction': 4}
    config = DeFusionNetConfig.from_dict(legacy)
    assert (config.backbone, config.residual_refine, config.pool_shallow) == ('vgg', False, False)
    assert DeFusionNetConfig().backbone == 'efficientnet-lite0' and DeFusionNetConfig().residual_refine


@pytest.mark.parametrize('backbone', ['vgg', 'efficientnet-lite0'])
@pytest.mark.parametrize('residual', [True, False])
def test_refinement_keeps_every_level_shape_with_and_without_the_identity_path(backbone, residual):
    net = DeFusionNet(DeFusionNetConfig(backbone=backbone, width=0.125, fuse_channels=8,
                                        residual_refine=residual)).eval()
    with torch.no_grad():
        out = net(torch.rand(1, 3, 96, 128))
    assert out['fused'].shape == (1, 1, 96, 128)
    assert all(side.shape == (1, 1, 96, 128) for step in out['sides'] for side in step)


def test_residual_refinement_is_an_identity_plus_the_update():
    """With the refinement convs' output forced to zero, a residual step leaves each level as it was."""
    net = DeFusionNet(DeFusionNetConfig(backbone='vgg', width=0.125, fuse_channels=8)).eval()
    level = torch.rand(1, 8, 16, 16)
    zero = torch.nn.Sequential(torch.nn.Conv2d(8, 8, 1, bias=False))
    torch.nn.init.zeros_(zero[0].weight)
    assert torch.equal(net._refined(zero, level, torch.rand(1, 8, 16, 16)), level)


def test_shallow_features_are_box_averaged_down_to_the_deep_levels():
    net = DeFusionNet(DeFusionNetConfig(backbone='efficientnet-lite0', fuse_channels=8)).eval()
    # Finest level at stride 2, deep levels at 16, 16 and 32.
    assert net.shallow_to_deep == [8, 8, 16]
    checker = torch.zeros(1, 1, 32, 32)
    checker[..., ::2, ::2] = 1  # a pattern at the finest scale, which a plain bilinear shrink aliases
    pooled = net._shallow_at(checker, torch.zeros(1, 1, 4, 4), 0)
    assert torch.allclose(pooled, torch.full((1, 1, 4, 4), 0.25))
