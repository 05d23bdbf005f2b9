import io
import json
import os
from contextlib import redirect_stdout

import numpy as np
import pytest
import torch

from defusionnet import augment, data, losses, stream, train

TINY_ARGS = ['--backbone', 'vgg', '--width', '0.125', '--fuse-channels', '8', '--train-size', '64', '--val-size', '64',
             '--batch-size', '4', '--threads', '1', '--quiet', '--max-side', '96']


def run_train(argv):
    """Runs the trainer in-process; returns the JSON lines it printed."""
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        assert train.main(argv) == 0
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def test_ctcug_folder_loading_handles_upper_case_and_rgba(tiny_dataset):
    samples = data.load_folder(tiny_dataset, max_side=96)
    assert len(samples) == 8
    names = {s.name for s in samples}
    assert 'img0' in names  # the .JPG one
    rgba = next(s for s in samples if s.name == 'img1')
    assert rgba.mask.ndim == 2 and set(np.unique(rgba.mask)) <= {0, 255}


def test_missing_layout_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match='images/ and gt/'):
        data.load_folder(str(tmp_path), 96)


def test_progress_json_format(tiny_dataset, tmp_path):
    events = run_train(['--data', tiny_dataset, '--out', str(tmp_path / 'run'), '--steps', '4',
                        '--val-every', '2', '--log-every', '1', '--val-fraction', '0.25', *TINY_ARGS])
    kinds = [e['event'] for e in events]
    assert kinds[0] == 'start' and kinds[-1] == 'done'
    progress = [e for e in events if e['event'] == 'progress']
    assert [p['step'] for p in progress] == [1, 2, 3, 4]
    for line in progress:
        assert set(line) >= {'step', 'loss', 'lr', 'val_mae', 'val_f', 'eta_s'}
        assert isinstance(line['loss'], float) and line['lr'] > 0
    assert progress[0]['val_mae'] is None  # no validation yet
    assert 0.0 <= progress[-1]['val_mae'] <= 1.0 and 0.0 <= progress[-1]['val_f'] <= 1.0
    validation = [e for e in events if e['event'] == 'validation']
    assert {'mae', 'mean_f', 'max_f', 'iou'} <= set(validation[0])
    assert os.path.exists(tmp_path / 'run' / 'last.pt') and os.path.exists(tmp_path / 'run' / 'best.pt')


def test_a_few_steps_lower_the_loss(tiny_dataset):
    torch.manual_seed(0)
    from defusionnet.model import DeFusionNet, DeFusionNetConfig
    samples = data.load_folder(tiny_dataset, max_side=96)
    config = augment.AugmentConfig(size=64, jitter=0.0, jpeg_probability=0.0)
    images, targets = next(stream.batches(samples, [], config, 8, seed=0))
    net = DeFusionNet(DeFusionNetConfig(backbone='vgg', width=0.125, fuse_channels=8))
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-3)
    history = []
    for _ in range(15):
        loss = losses.training_loss(net(images), targets, 1.0)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(float(loss))
    assert history[-1] < history[0] * 0.9


def test_resume_midway_matches_straight_run(tiny_dataset, tmp_path, monkeypatch):
    """Stop after 3 of 6 steps (as SIGTERM would), resume, and land on the same weights."""
    common = ['--data', tiny_dataset, '--steps', '6', '--val-every', '100', '--log-every', '1',
              '--seed', '5', *TINY_ARGS]
    run_train([*common, '--out', str(tmp_path / 'straight')])

    real_batches = train.batches
    seen = {'count': 0}

    def stop_after_three(*args, **kwargs):
        for batch in real_batches(*args, **kwargs):
            seen['count'] += 1
            if seen['count'] == 4:
                os.kill(os.getpid(), __import__('signal').SIGTERM)
            yield batch

    monkeypatch.setattr(train, 'batches', stop_after_three)
    stopped = run_train([*common, '--out', str(tmp_path / 'resumed')])
    monkeypatch.setattr(train, 'batches', real_batches)
    assert stopped[-1]['event'] == 'stopped' and stopped[-1]['step'] == 4
    resumed = run_train([*common, '--out', str(tmp_path / 'resumed'), '--resume'])
    assert resumed[-1]['step'] == 6
    straight = torch.load(tmp_path / 'straight' / 'last.pt')
    again = torch.load(tmp_path / 'resumed' / 'last.pt')
    for key, value in straight['model'].items():
        assert torch.allclose(value.float(), again['model'][key].float(), atol=1e-5), key
