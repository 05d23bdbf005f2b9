import json
import os
import shutil
import subprocess

import numpy as np
import onnx
import pytest
import torch

from defusionnet import export, train
from defusionnet.model import DeFusionNet, DeFusionNetConfig, DeFusionNetForExport

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
RUN_ONNX = os.path.join(os.path.dirname(__file__), 'run_onnx.mjs')


def make_checkpoint(path, config):
    torch.manual_seed(0)
    net = DeFusionNet(config)
    # Non-trivial BatchNorm statistics, so the exported graph's folding is really tested.
    net.train()
    with torch.no_grad():
        for _ in range(3):
            net(torch.randn(2, 3, 64, 64))
    torch.save({'format': train.CHECKPOINT_FORMAT, 'config': config.to_dict(), 'model': net.state_dict(), 'step': 7},
               path)


@pytest.fixture(scope='module', params=['vgg', 'efficientnet-lite0'])
def exported(tmp_path_factory, request):
    """A VGG model (the paper's backbone) and an EfficientNet-Lite one (TensorFlow's asymmetric
    padding, ReLU6 as a clamp, pooled FSHF), each through the exporter and onnxruntime-node."""
    folder = tmp_path_factory.mktemp('export')
    checkpoint = str(folder / 'model.pt')
    config = DeFusionNetConfig(backbone=request.param, width=0.125, fuse_channels=8)
    make_checkpoint(checkpoint, config)
    onnx_path = str(folder / 'model.onnx')
    metadata = export.export(checkpoint, onnx_path, 'defusionnet-test', '0.0.1', input_size=64,
                             training_data='synthetic', metrics={'mae': 0.5})
    return checkpoint, onnx_path, metadata


def test_model_file_contract(exported):
    _, onnx_path, _ = exported
    model = onnx.load(onnx_path)
    (image,) = model.graph.input
    (blur,) = model.graph.output
    assert image.name == 'image' and blur.name == 'blur'
    dims = [d.dim_param or d.dim_value for d in image.type.tensor_type.shape.dim]
    assert dims == ['batch', 3, 'height', 'width']
    meta = {p.key: p.value for p in model.metadata_props}
    for key in ('contract', 'name', 'version', 'backbone', 'width', 'input_size', 'training_data', 'metrics', 'parameters'):
        assert key in meta, key
    assert meta['name'] == 'defusionnet-test' and json.loads(meta['metrics']) == {'mae': 0.5}


@pytest.mark.parametrize('height,width', [(64, 64), (96, 160)])
def test_onnxruntime_node_matches_pytorch(exported, tmp_path, height, width):
    checkpoint, onnx_path, _ = exported
    node = shutil.which('node')
    assert node, 'node is needed for the parity test'
    rng = np.random.default_rng(height)
    image = rng.random((1, 3, height, width), dtype=np.float32)
    image.tofile(tmp_path / 'in.f32')
    result = subprocess.run(
        [node, RUN_ONNX, onnx_path, str(tmp_path / 'in.f32'), '1', '3', str(height), str(width), str(tmp_path / 'out.f32')],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)['dims'] == [1, 1, height, width]
    onnx_output = np.fromfile(tmp_path / 'out.f32', dtype=np.float32).reshape(1, 1, height, width)
    module = export.build_export_module(train.load_checkpoint(checkpoint))
    with torch.no_grad():
        torch_output = module(torch.from_numpy(image)).numpy()
    assert np.abs(onnx_output - torch_output).max() <= 1e-4


def test_not_a_checkpoint_is_refused(tmp_path):
    path = tmp_path / 'junk.pt'
    torch.save({'weights': 1}, path)
    with pytest.raises(ValueError, match='not a DeFusionNET checkpoint'):
        train.load_checkpoint(str(path))


def test_export_module_is_the_contract(exported):
    checkpoint, _, _ = exported
    module = export.build_export_module(train.load_checkpoint(checkpoint))
    assert isinstance(module, DeFusionNetForExport)
