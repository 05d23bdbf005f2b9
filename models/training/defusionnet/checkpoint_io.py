"""Reading PyTorch files without running code hidden in them, where the installed torch can.

A checkpoint is a pickle, and unpickling can call any function the file names. torch's
weights-only loader reads only tensors and plain values; it is used whenever the installed
torch has one that reads what a checkpoint holds. torch 1.13 has the parameter, but its
loader cannot read a Python float (every checkpoint has some), so there the plain loader
remains, and the studio loads only checkpoints it ships or made, or that the user
confirmed by their SHA-256 (electron/core/finetune/checkpointTrust.ts).
"""

import functools
import inspect
import io
from typing import Any

import torch


@functools.lru_cache(maxsize=1)
def weights_only_reads_checkpoints() -> bool:
    """True when torch.load(weights_only=True) reads a checkpoint's kinds of values."""
    if 'weights_only' not in inspect.signature(torch.load).parameters:
        return False
    buffer = io.BytesIO()
    torch.save({'format': 'probe', 'lr': 0.5, 'step': 3, 'done': True, 'none': None,
                'tensor': torch.zeros(2), 'list': [1, 2.5], 'tuple': (1, 'a')}, buffer)
    buffer.seek(0)
    try:
        torch.load(buffer, map_location='cpu', weights_only=True)
    except Exception:  # noqa: BLE001 - any failure means the loader cannot be relied on
        return False
    return True


def load_torch_file(path: str) -> Any:
    """torch.load on the CPU, weights only where the installed torch reads checkpoints that way."""
    if weights_only_reads_checkpoints():
        return torch.load(path, map_location='cpu', weights_only=True)
    return torch.load(path, map_location='cpu')
