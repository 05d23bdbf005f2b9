import pytest
import torch

from defusionnet import backbones, pretrained
from defusionnet.model import NUM_LEVELS, DeFusionNet, DeFusionNetConfig, count_gflops


@pytest.mark.parametrize('name', ['efficientnet-lite0', 'efficientnet-lite1', 'efficientnet-lite2'])
def test_lite_levels_have_the_declared_strides_and_widths(name):
    backbone = backbones.build_backbone(name, 0.25).eval()
    with torch.no_grad():
        levels = backbone(torch.rand(1, 3, 128, 192))
    assert len(levels) == NUM_LEVELS
    for level, stride, channels in zip(levels, backbone.strides, backbone.out_channels):
        assert level.shape == (1, channels, 128 // stride, 192 // stride)


@pytest.mark.parametrize('name', ['efficientnet-lite0', 'efficientnet-lite1', 'efficientnet-lite2'])
def test_imagenet_weights_fit_the_definition_tensor_for_tensor(name):
    """Every tensor of the published file loads (strict), with the same shape: no layer is left at random."""
    backbone = backbones.build_backbone(name, 0.25)
    state = pretrained.backbone_state(name)
    own = backbone.state_dict()
    assert set(state) == set(own)
    for key, value in state.items():
        assert own[key].shape == value.shape, key
    pretrained.load_pretrained(backbone)
    assert torch.equal(backbone.state_dict()['_conv_stem.weight'], state['_conv_stem.weight'])


def test_tensorflow_same_padding_is_one_more_after_than_before_at_stride_2():
    assert backbones.same_padding(3, 2) == (0, 1, 0, 1)
    assert backbones.same_padding(5, 2) == (1, 2, 1, 2)
    assert backbones.same_padding(5, 1) == (2, 2, 2, 2)


def test_each_backbone_normalises_its_own_input():
    lite = backbones.build_backbone('efficientnet-lite0', 0.25)
    vgg = backbones.build_backbone('vgg', 0.25)
    white = torch.ones(1, 3, 1, 1)
    assert torch.allclose(lite.normalise(white), torch.full((1, 3, 1, 1), 128.0 / 128.0), atol=1e-6)
    assert torch.allclose(lite.normalise(torch.zeros(1, 3, 1, 1)), torch.full((1, 3, 1, 1), -127.0 / 128.0))
    expected = (1 - torch.tensor(backbones.IMAGENET_MEAN)) / torch.tensor(backbones.IMAGENET_STD)
    assert torch.allclose(vgg.normalise(white).flatten(), expected)


def test_the_lite_model_costs_less_than_the_vgg_one_it_replaces():
    lite = DeFusionNet(DeFusionNetConfig(backbone='efficientnet-lite0'))
    vgg = DeFusionNet(DeFusionNetConfig(backbone='vgg', width=0.25))
    assert count_gflops(lite, 320) < count_gflops(vgg, 320)


def test_relu6_as_a_clamp_has_a_bfloat16_backward():
    x = torch.linspace(-1.5, 7.5, 10, dtype=torch.bfloat16, requires_grad=True)
    backbones.relu6(x).sum().backward()
    assert x.grad.tolist() == [0, 0, 1, 1, 1, 1, 1, 1, 0, 0]
