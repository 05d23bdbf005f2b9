"""Exports a checkpoint to an ONNX file that meets the studio's model-file contract.

    python3 -m defusionnet.export --checkpoint runs/x/best.pt --out ../defusionnet-x.onnx \
        --name defusionnet-x --version 1.0.0 [--metrics card.json] [--training-data "..."]

Contract (docs/model-file.md): input ``image`` float32 [N,3,H,W] RGB in 0..1, output
``blur`` float32 [N,1,H,W] = probability of defocus blur; normalisation and sigmoid are
inside the graph; N, H and W are dynamic (H and W multiples of 32); ``metadata_props``
record what the studio shows and checks.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from typing import Dict, List, Optional

import onnx
import torch

from .model import DeFusionNet, DeFusionNetConfig, DeFusionNetForExport, count_gflops, count_parameters
from .train import load_checkpoint

OPSET = 17
CONTRACT = 'defusion-model/1'


def exporter_options() -> Dict[str, bool]:
    """The TorchScript exporter on every PyTorch: 1.13 has only it; from 2.9 on,
    ``torch.onnx.export`` defaults to the dynamo exporter, whose graph for the dynamic
    height and width has not been checked against onnxruntime-node here. One exporter
    means one graph to test (tests/test_export.py checks its parity)."""
    if 'dynamo' in inspect.signature(torch.onnx.export).parameters:
        return {'dynamo': False}
    return {}


def build_export_module(checkpoint: Dict, logit_scale: Optional[float] = None) -> DeFusionNetForExport:
    """The contract module of a checkpoint, with its own logit scale unless one is given."""
    config = DeFusionNetConfig.from_dict(checkpoint['config'])
    net = DeFusionNet(config)
    net.load_state_dict(checkpoint['model'])
    net.eval()
    scale = checkpoint.get('logit_scale', 1.0) if logit_scale is None else logit_scale
    return DeFusionNetForExport(net, scale).eval()


def export(
    checkpoint_path: str,
    out_path: str,
    name: str,
    version: str,
    input_size: int = 320,
    training_data: str = '',
    metrics: Optional[Dict[str, float]] = None,
    extra: Optional[Dict[str, str]] = None,
    logit_scale: Optional[float] = None,
) -> Dict[str, str]:
    checkpoint = load_checkpoint(checkpoint_path)
    module = build_export_module(checkpoint, logit_scale)
    config = module.net.config
    dummy = torch.rand(1, 3, input_size, input_size)
    torch.onnx.export(
        module,
        dummy,
        out_path,
        input_names=['image'],
        output_names=['blur'],
        dynamic_axes={'image': {0: 'batch', 2: 'height', 3: 'width'}, 'blur': {0: 'batch', 2: 'height', 3: 'width'}},
        opset_version=OPSET,
        do_constant_folding=True,
        **exporter_options(),
    )
    model = onnx.load(out_path)
    metadata = {
        'contract': CONTRACT,
        'name': name,
        'version': version,
        'architecture': 'DeFusionNET',
        'backbone': config.backbone,
        'width': str(config.width),
        'config': json.dumps(config.to_dict()),
        'input_size': str(input_size),
        'size_multiple': '32',
        'parameters': str(count_parameters(module.net)),
        'gflops_320': f'{count_gflops(module.net, 320):.2f}',
        'training_data': training_data,
        'training_steps': str(checkpoint.get('step', 0)),
        'metrics': json.dumps(metrics or {}),
        'logit_scale': f'{module.logit_scale:g}',
    }
    metadata.update(extra or {})
    del model.metadata_props[:]
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key = key
        entry.value = value
    model.producer_name = 'defusionnet'
    onnx.checker.check_model(model)
    onnx.save(model, out_path)
    return metadata


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog='python3 -m defusionnet.export', description='Export a checkpoint to ONNX.')
    parser.add_argument('--checkpoint', required=True)
    parser.add_argument('--out', required=True)
    parser.add_argument('--name', required=True)
    parser.add_argument('--version', default='1.0.0')
    parser.add_argument('--input-size', type=int, default=320)
    parser.add_argument('--training-data', default='')
    parser.add_argument('--metrics', help='JSON file whose "metrics" (or top-level) numbers go into metadata')
    parser.add_argument('--meta', action='append', default=[], metavar='KEY=VALUE', help='extra metadata; repeatable')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    metrics = None
    if args.metrics:
        with open(args.metrics) as handle:
            loaded = json.load(handle)
        metrics = loaded.get('metrics', loaded)
    extra = dict(item.split('=', 1) for item in args.meta)
    metadata = export(args.checkpoint, args.out, args.name, args.version, args.input_size,
                      args.training_data, metrics, extra)
    print(json.dumps({'event': 'exported', 'path': args.out, 'metadata': metadata}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
