"""The logit scale: how it is fit, what it does to a map, and that it travels with the model."""

import json
import shutil
import subprocess

import numpy as np
import onnx
import torch

from defusionnet import calibration, export, train
from defusionnet.model import DeFusionNet, DeFusionNetConfig, DeFusionNetForExport
from test_export import REPO, RUN_ONNX, make_checkpoint


def test_scaling_keeps_the_half_crossing_and_decides_the_map():
    p = np.array([0.05, 0.3, 0.5, 0.7, 0.95], dtype=np.float32)
    assert np.array_equal(calibration.scaled(p, 1.0), p)
    q = calibration.scaled(p, 3.0)
    assert np.allclose(q[2], 0.5)
    assert np.array_equal(q > 0.5, p > 0.5)
    assert np.all(np.abs(q - np.round(q)) <= np.abs(p - np.round(p)) + 1e-7)
    # sigmoid(3 * logit(0.7)) exactly.
    assert np.isclose(q[3], 1 / (1 + np.exp(-3 * np.log(0.7 / 0.3))), atol=1e-6)


def test_fit_keeps_the_smallest_scale_near_the_best_mae():
    rng = np.random.default_rng(0)
    maps = []
    for _ in range(6):
        gt = (rng.random((20, 20)) < 0.5).astype(np.float32)
        # Mostly right and unsure (0.7 / 0.3), a few pixels wrong.
        p = np.where(gt > 0, 0.7, 0.3).astype(np.float32)
        wrong = rng.random((20, 20)) < 0.05
        p[wrong] = 1 - p[wrong]
        maps.append((p, gt))
    scale, table = calibration.fit_logit_scale(maps)
    assert [s for s, _ in table] == sorted(calibration.GRID)
    maes = dict(table)
    assert maes[1.0] > maes[8.0]
    best = min(maes.values())
    assert maes[scale] <= best + calibration.TOLERANCE
    assert all(maes[s] > best + calibration.TOLERANCE for s in maes if s < scale)
    # A map that is already decided needs no scale.
    decided = [(gt, gt) for _, gt in maps]
    assert calibration.fit_logit_scale(decided)[0] == 1.0


def test_the_exported_model_carries_the_scale(tmp_path):
    config = DeFusionNetConfig(backbone='vgg', width=0.125, fuse_channels=8)
    checkpoint = str(tmp_path / 'model.pt')
    make_checkpoint(checkpoint, config)
    state = train.load_checkpoint(checkpoint)
    state['logit_scale'] = 3.0
    torch.save(state, checkpoint)

    module = export.build_export_module(train.load_checkpoint(checkpoint))
    assert module.logit_scale == 3.0
    plain = DeFusionNetForExport(module.net, 1.0).eval()
    image = torch.rand(1, 3, 64, 96)
    with torch.no_grad():
        scaled = module(image).numpy()
        unscaled = plain(image).numpy()
    assert np.allclose(scaled, calibration.scaled(unscaled, 3.0), atol=1e-5)

    onnx_path = str(tmp_path / 'model.onnx')
    metadata = export.export(checkpoint, onnx_path, 'defusionnet-test', '0.0.1', input_size=64)
    assert metadata['logit_scale'] == '3'
    assert {p.key: p.value for p in onnx.load(onnx_path).metadata_props}['logit_scale'] == '3'
    # The studio's own onnxruntime-node gives the scaled map.
    image.numpy().tofile(tmp_path / 'in.f32')
    result = subprocess.run(
        [shutil.which('node'), RUN_ONNX, onnx_path, str(tmp_path / 'in.f32'), '1', '3', '64', '96', str(tmp_path / 'out.f32')],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)['dims'] == [1, 1, 64, 96]
    assert np.abs(np.fromfile(tmp_path / 'out.f32', dtype=np.float32).reshape(1, 1, 64, 96) - scaled).max() <= 1e-4


def test_a_fine_tune_keeps_the_scale_of_its_start(tiny_dataset, tmp_path):
    start = str(tmp_path / 'start.pt')
    torch.manual_seed(0)
    config = DeFusionNetConfig(backbone='vgg', width=0.125, fuse_channels=8)
    torch.save({'format': train.CHECKPOINT_FORMAT, 'config': config.to_dict(), 'model': DeFusionNet(config).state_dict(),
                'step': 0, 'logit_scale': 2.0}, start)
    code = train.main(['--data', tiny_dataset, '--out', str(tmp_path / 'run'), '--init', start, '--steps', '1',
                       '--batch-size', '2', '--train-size', '64', '--max-side', '96', '--val-fraction', '0.25',
                       '--val-size', '64', '--val-every', '1', '--threads', '1', '--quiet'])
    assert code == 0
    assert train.load_checkpoint(str(tmp_path / 'run' / 'last.pt'))['logit_scale'] == 2.0
    assert export.build_export_module(train.load_checkpoint(str(tmp_path / 'run' / 'best.pt'))).logit_scale == 2.0


def test_a_fine_tunes_validation_scores_the_map_its_export_gives(tiny_dataset, tmp_path):
    """Validation applies the logit scale as the exported graph does: the metrics a fine-tune
    writes describe the map the studio will show, not a plain sigmoid of another scale."""
    from defusionnet import data
    from defusionnet.evaluate import evaluate, torch_predictor
    checkpoint = str(tmp_path / 'scaled.pt')
    config = DeFusionNetConfig(backbone='vgg', width=0.125, fuse_channels=8)
    make_checkpoint(checkpoint, config)
    state = torch.load(checkpoint)
    state['logit_scale'] = 4.0
    torch.save(state, checkpoint)
    samples = data.load_folder(tiny_dataset, max_side=96)
    net = export.build_export_module(train.load_checkpoint(checkpoint)).net
    scaled = train.validate(net, samples, 64, torch.device('cpu'), logit_scale=4.0)
    exported = evaluate(torch_predictor(checkpoint), samples, 64)
    plain = train.validate(net, samples, 64, torch.device('cpu'))
    for key in ('mae', 'mean_f', 'iou'):
        assert abs(scaled[key] - exported[key]) < 1e-6, key
    assert abs(plain['mae'] - exported['mae']) > 1e-4  # the scale changes MAE: the test can tell
