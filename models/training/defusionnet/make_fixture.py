"""Makes the tiny ONNX models the studio's tests use (test/fixtures/models/).

    python3 -m defusionnet.make_fixture --out ../../test/fixtures/models

``tiny-defusionnet.onnx`` is a real DeFusionNET graph at the smallest width, trained
for a few steps on synthetic defocus so its output is not constant; the other files
break the model-file contract on purpose (wrong input name, wrong output shape, no
metadata) so that the studio's checks can be tested against real files.
"""

from __future__ import annotations

import argparse
import os
import random
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import export, losses, synthetic, train
from .model import DeFusionNet, DeFusionNetConfig


def textured(rng: np.random.Generator, size: int) -> np.ndarray:
    image = (rng.random((size, size, 3)) * 60 + 100).astype(np.float32)
    for _ in range(10):
        x0, y0 = rng.integers(0, size - 8, 2)
        image[y0:y0 + rng.integers(4, size // 2), x0:x0 + rng.integers(4, size // 2)] = rng.integers(0, 255, 3)
    return np.clip(image, 0, 255).astype(np.uint8)


def tiny_checkpoint(path: str) -> None:
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    py_rng = random.Random(0)
    config = DeFusionNetConfig(backbone='vgg', width=0.125, fuse_channels=8)
    net = DeFusionNet(config)
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-3)
    for _ in range(30):
        images, masks = [], []
        for _ in range(4):
            image, mask = synthetic.defocus(textured(rng, 64), py_rng, radius=(3.0, 5.0))
            images.append(torch.from_numpy(image).permute(2, 0, 1).float() / 255)
            masks.append(torch.from_numpy((mask > 127).astype(np.float32))[None])
        loss = losses.training_loss(net(torch.stack(images)), torch.stack(masks), 1.0)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    torch.save({'format': train.CHECKPOINT_FORMAT, 'config': config.to_dict(), 'model': net.state_dict(),
                'step': 30}, path)


class WrongOutput(nn.Module):
    """Right input, but the output is [N,2,H/2,W/2] named 'mask'."""

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(image[:, :2], 2)


def export_plain(module: nn.Module, path: str, input_name: str, output_name: str) -> None:
    torch.onnx.export(module, torch.rand(1, 3, 64, 64), path, input_names=[input_name], output_names=[output_name],
                      dynamic_axes={input_name: {0: 'n', 2: 'h', 3: 'w'}}, opset_version=export.OPSET)


def main() -> int:
    parser = argparse.ArgumentParser(prog='python3 -m defusionnet.make_fixture')
    parser.add_argument('--out', required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    checkpoint = os.path.join(args.out, 'tiny-defusionnet.pt')
    tiny_checkpoint(checkpoint)
    export.export(checkpoint, os.path.join(args.out, 'tiny-defusionnet.onnx'), 'defusionnet-tiny-fixture', '0.0.1',
                  input_size=64, training_data='synthetic defocus (test fixture)', metrics={})
    export_plain(WrongOutput(), os.path.join(args.out, 'wrong-output.onnx'), 'image', 'mask')

    class Identityish(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.sigmoid(x.mean(dim=1, keepdim=True))

    export_plain(Identityish(), os.path.join(args.out, 'wrong-input.onnx'), 'pixels', 'blur')
    export_plain(Identityish(), os.path.join(args.out, 'no-metadata.onnx'), 'image', 'blur')
    with open(os.path.join(args.out, 'not-a-model.onnx'), 'wb') as handle:
        handle.write(b'this is not an ONNX protobuf\n' * 4)
    for name in sorted(os.listdir(args.out)):
        print(name, os.path.getsize(os.path.join(args.out, name)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
