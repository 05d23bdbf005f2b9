"""Checkpoints are read weights-only where the installed torch can, and a pickle that
runs a command is then refused without running it."""

import inspect
import io
import os
import pickle

import pytest
import torch

from defusionnet import checkpoint_io


class RunsACommand:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}',))


def test_a_checkpoint_reads_back(tmp_path):
    path = tmp_path / 'ok.pt'
    state = {'format': 'defusionnet-checkpoint/1', 'lr': 5e-4, 'step': 7, 'model': {'w': torch.ones(3)}}
    torch.save(state, path)
    loaded = checkpoint_io.load_torch_file(str(path))
    assert loaded['lr'] == 5e-4 and loaded['step'] == 7
    assert torch.equal(loaded['model']['w'], torch.ones(3))


def test_a_pickle_that_runs_a_command(tmp_path):
    marker = tmp_path / 'ran'
    path = tmp_path / 'evil.pt'
    with open(path, 'wb') as handle:
        pickle.dump({'model': RunsACommand(str(marker))}, handle)
    if checkpoint_io.weights_only_reads_checkpoints():
        with pytest.raises(Exception):
            checkpoint_io.load_torch_file(str(path))
        assert not marker.exists()
    elif 'weights_only' in inspect.signature(torch.load).parameters:
        # This torch's weights-only loader cannot read a float (1.13), so no checkpoint:
        # the plain loader remains, behind the studio's gate (checkpointTrust.ts).
        buffer = io.BytesIO()
        torch.save({'lr': 0.5}, buffer)
        buffer.seek(0)
        with pytest.raises(Exception):
            torch.load(buffer, map_location='cpu', weights_only=True)
