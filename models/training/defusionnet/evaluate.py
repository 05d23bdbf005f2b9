"""Evaluates a checkpoint or an exported ONNX file with the DBD metrics.

    python3 -m defusionnet.evaluate --model runs/bundled/best.pt --data DIR [--holdout 0.1 --seed 0]
    python3 -m defusionnet.evaluate --model ../defusionnet-x.onnx --data DIR --holdout 0.1

The whole photo is resized to ``--size`` (as the studio runs it), the probability map is
resized back to the GT's own resolution, and the metrics of ``metrics.py`` are averaged
over images. With ``--holdout F`` only the validation share that the trainer held out
(same seed, same rule) is evaluated, so the numbers are on photos the model never saw.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Callable, List, Optional

import numpy as np
import torch
from PIL import Image

from . import data as data_module
from .metrics import MetricAccumulator


def torch_predictor(checkpoint_path: str, logit_scale: Optional[float] = None) -> Callable[[np.ndarray], np.ndarray]:
    """The checkpoint as the exported model computes it (its logit scale unless one is given)."""
    from .export import build_export_module
    from .train import load_checkpoint

    module = build_export_module(load_checkpoint(checkpoint_path), logit_scale)

    def predict(batch: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return module(torch.from_numpy(batch)).numpy()

    return predict


def onnx_predictor(model_path: str) -> Callable[[np.ndarray], np.ndarray]:
    try:
        import onnxruntime  # type: ignore
    except ImportError:  # Debian has no onnxruntime wheel: run the graph through onnx's reference path
        onnxruntime = None
    if onnxruntime is not None:
        session = onnxruntime.InferenceSession(model_path, providers=['CPUExecutionProvider'])
        return lambda batch: session.run(['blur'], {'image': batch})[0]
    raise SystemExit('evaluating an ONNX file needs the onnxruntime Python package; '
                     'evaluate the checkpoint instead, or use `defusion evaluate` in the studio')


def probability_at_gt(predict: Callable[[np.ndarray], np.ndarray], sample: data_module.Sample, size: int) -> np.ndarray:
    """The model's map of one photo as the studio computes it (whole photo at size x size), at the GT's resolution."""
    assert sample.mask is not None
    image = Image.fromarray(sample.image).resize((size, size), Image.BILINEAR)
    batch = (np.asarray(image, dtype=np.float32) / 255.0).transpose(2, 0, 1)[None]
    probability = predict(np.ascontiguousarray(batch))[0, 0]
    return data_module.resize_probability(probability, sample.mask.shape)


def evaluate(predict: Callable[[np.ndarray], np.ndarray], samples: List[data_module.Sample], size: int):
    metrics = MetricAccumulator()
    started = time.time()
    for sample in samples:
        metrics.add(probability_at_gt(predict, sample, size), sample.mask)
    summary = metrics.summary()
    summary['seconds_per_image'] = (time.time() - started) / max(1, len(samples))
    return summary


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog='python3 -m defusionnet.evaluate', description=__doc__.split('\n')[0])
    parser.add_argument('--model', required=True, help='checkpoint (.pt) or ONNX file')
    parser.add_argument('--data', action='append', required=True, metavar='DIR', help='CTCUG folder; repeatable')
    parser.add_argument('--holdout', type=float, default=None, help='evaluate only the trainer\'s held-out share')
    parser.add_argument('--seed', type=int, default=0, help='the trainer\'s --seed (for --holdout)')
    parser.add_argument('--size', type=int, default=320)
    parser.add_argument('--max-side', type=int, default=100000, help='evaluate at the GT\'s resolution by default')
    parser.add_argument('--threads', type=int, default=0)
    parser.add_argument('--sharp-crops', action='store_true',
                        help='also report the blurred share called on in-focus windows of the photos (sharp_crops.py)')
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    samples: List[data_module.Sample] = []
    for folder in args.data:
        samples += data_module.load_folder(folder, args.max_side)
    if args.holdout is not None:
        _, samples = data_module.split_holdout(samples, args.holdout, args.seed)
    predict = onnx_predictor(args.model) if args.model.endswith('.onnx') else torch_predictor(args.model)
    summary = evaluate(predict, samples, args.size)
    if args.sharp_crops:
        from .sharp_crops import blurred_shares, sharp_crops, summarise
        summary['sharp_crops'] = summarise(blurred_shares(predict, sharp_crops(samples), args.size))
    print(json.dumps({'event': 'evaluation', 'model': args.model, 'size': args.size,
                      'holdout': args.holdout, 'seed': args.seed, **summary}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
