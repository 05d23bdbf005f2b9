"""Turns a finished training run into a shipped model: ONNX + checkpoint + model card.

    python3 -m defusionnet.model_card --run runs/bundled --data ../../../shared/datasets/CUHK/train \
        --name defusionnet-cuhk --version 1.0.0 --out ..

1. takes the run's best checkpoint (lowest validation MAE);
2. fits the output's logit scale on training photos (``calibration.py``);
3. evaluates it on the run's held-out validation photos (same seed and share as the
   trainer), at each GT's own resolution, with the metrics of ``metrics.py``, and the
   training-free Laplacian-energy baseline on the same photos;
4. exports ``<out>/<name>.onnx`` with those metrics in its metadata, saves
   ``<out>/<name>.pt`` (weights and config only, for fine-tuning), and writes the card
   ``<out>/<name>.json``.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import random
import sys
from typing import Any, Dict, List, Optional

import torch

from . import data as data_module
from .baseline import laplacian_energy_blur_map
from .calibration import TOLERANCE, fit_logit_scale, probability_maps
from .evaluate import evaluate, torch_predictor
from .export import export
from .metrics import MetricAccumulator
from .model import DeFusionNet, DeFusionNetConfig, count_gflops, count_parameters
from .train import CHECKPOINT_FORMAT, load_checkpoint

PUBLISHED_CUHK_MAE = {
    'LBP sharpness (Yi & Eramian 2016)': 0.154,
    'BTBNet (Zhao et al. 2018)': 0.110,
    'CENet (Zhao et al. 2019)': 0.061,
    'D-DFFNet (Jin et al. 2023)': 0.036,
}


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


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog='python3 -m defusionnet.model_card', description=__doc__.split('\n')[0])
    parser.add_argument('--run', required=True, help='training run folder (best.pt, last.pt, log.jsonl)')
    parser.add_argument('--data', action='append', required=True, metavar='DIR', help='the run\'s --data folders')
    parser.add_argument('--name', required=True)
    parser.add_argument('--version', default='1.0.0')
    parser.add_argument('--out', required=True, help='folder for <name>.onnx/.pt/.json')
    parser.add_argument('--training-data', default='CUHK-TR-1: the 604 training photos of the CUHK defocus blur '
                        'dataset (Shi et al., CVPR 2014), minus the held-out validation share')
    parser.add_argument('--calibration-photos', type=int, default=60,
                        help='training photos the logit scale is fit on (calibration.py); 0 = none')
    parser.add_argument('--threads', type=int, default=0)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    best_path = os.path.join(args.run, 'best.pt')
    checkpoint = load_checkpoint(best_path)
    last = load_checkpoint(os.path.join(args.run, 'last.pt'))
    run_args = last.get('args', {})
    seed = int(run_args.get('seed', 0))
    fraction = float(run_args.get('val_fraction', 0.1))

    samples = []
    for folder in args.data:
        samples += data_module.load_folder(folder, max_side=100000)
    train_samples, val_samples = data_module.split_holdout(samples, fraction, seed)

    size = int(run_args.get('val_size', 320))
    # The logit scale, fit on training photos only (drawn with the run's seed).
    if args.calibration_photos > 0:
        chosen = random.Random(seed).sample(train_samples, min(args.calibration_photos, len(train_samples)))
        logit_scale, scale_table = fit_logit_scale(probability_maps(torch_predictor(best_path, 1.0), chosen, size))
    else:
        chosen, logit_scale, scale_table = [], 1.0, []
    model_metrics = evaluate(torch_predictor(best_path, logit_scale), val_samples, size)
    uncalibrated_metrics = evaluate(torch_predictor(best_path, 1.0), val_samples, size) if logit_scale != 1.0 else model_metrics
    baseline = MetricAccumulator()
    for sample in val_samples:
        baseline.add(laplacian_energy_blur_map(sample.image), sample.mask)
    baseline_metrics = baseline.summary()

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, f'{args.name}.onnx')
    pt_path = os.path.join(args.out, f'{args.name}.pt')
    card_path = os.path.join(args.out, f'{args.name}.json')
    metrics = {key: round(float(model_metrics[key]), 4) for key in ('mae', 'mean_f', 'max_f', 'adaptive_f', 'iou')}
    export(best_path, onnx_path, args.name, args.version, size, args.training_data, metrics, logit_scale=logit_scale)
    # The scale travels with the checkpoint: a fine-tune from it exports with the same one.
    torch.save({'format': CHECKPOINT_FORMAT, 'config': checkpoint['config'], 'model': checkpoint['model'],
                'step': checkpoint['step'], 'logit_scale': logit_scale}, pt_path)

    config = DeFusionNetConfig.from_dict(checkpoint['config'])
    net = DeFusionNet(config)
    events = read_log(args.run)
    validations = [e for e in events if e.get('event') == 'validation']
    # A run warm-started with --init from a shipped model: its card (beside its .pt) says
    # how that model was trained, read before this card may replace it.
    warm_start = None
    if run_args.get('init'):
        init_card = os.path.splitext(run_args['init'])[0] + '.json'
        warm_start = {'checkpoint': run_args['init']}
        if os.path.exists(init_card):
            with open(init_card) as handle:
                previous = json.load(handle)
            warm_start.update({
                'model': f"{previous.get('name')} {previous.get('version')}",
                'its_steps': previous.get('training', {}).get('steps'),
                'its_wall_time_s': previous.get('training', {}).get('wall_time_s'),
                'its_validation_mae': previous.get('metrics', {}).get('model', {}).get('mae'),
            })
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
            'backbone': f'VGG16-style, 6 levels, channel width x{config.width} (1.0 = VGG16), BatchNorm after every conv',
            'fused_channels': config.channels,
            'parameters': count_parameters(net),
            'gflops_at_320': round(count_gflops(net, 320), 2),
            'departures_from_paper': [
                'trained from scratch (no ImageNet weights available): BatchNorm after every conv and He init',
                f'backbone width x{config.width} so that training fits a 2-core CPU',
            ],
        },
        'input': {'size': int(run_args.get('val_size', 320)), 'resize': 'whole photo to size x size, bilinear',
                  'range': 'RGB 0..1; ImageNet normalisation inside the graph'},
        'training': {
            'data': args.training_data,
            'train_photos': len(train_samples),
            'validation_photos': len(val_samples),
            'validation_rule': f'{fraction:.0%} of the photos, drawn by name with seed {seed} (data.split_holdout)',
            'steps': checkpoint['step'],
            'schedule': {k: run_args.get(k) for k in ('steps', 'batch_size', 'crop', 'lr', 'warmup', 'weight_decay', 'side_weight')},
            'optimizer': 'AdamW, linear warm-up then cosine decay to 1% of the peak',
            'augmentation': 'random scale (short side ~320 x 0.75-1.25) and crop, horizontal flip, rare vertical flip, '
                            'color jitter, JPEG re-encoding',
            'loss': 'BCE on the fused output + BCE on the 6 side outputs of each of the 3 steps (averaged over steps)',
            'wall_time_s': round(float(last.get('elapsed_s', 0.0)), 1),
            'warm_start': warm_start,
            'hardware': f'{platform.machine()} CPU, {torch.get_num_threads()} threads, PyTorch {torch.__version__}',
            'segments': [{'from_step': e['step'], 'schedule_steps': e['steps'], 'threads': e.get('threads')}
                         for e in events if e.get('event') == 'start'],
            'validation_curve': [{'step': v['step'], 'mae': round(v['mae'], 4), 'mean_f': round(v['mean_f'], 4)}
                                 for v in validations],
        },
        'calibration': {
            'logit_scale': logit_scale,
            'what': 'the exported graph outputs sigmoid(logit_scale * logit): a more decided map, lower MAE, the same '
                    'F at 0.5 and IoU (calibration.py)',
            'fit_on': f'{len(chosen)} training photos drawn with seed {seed}, never the held-out ones',
            'rule': f'smallest scale on the grid whose MAE is within {TOLERANCE} of the grid\'s best',
            'train_mae_by_scale': [{'logit_scale': s, 'mae': m} for s, m in scale_table],
        },
        'metrics': {
            'split': f'held-out validation photos of CUHK-TR-1 ({len(val_samples)} photos), at each GT\'s own resolution',
            'definitions': 'MAE of the probability map; F-measure with beta^2 = 0.3: mean_f = mean over photos of F at '
                           'threshold 0.5, max_f = max over 256 thresholds of the photo-averaged F, adaptive_f = F at twice '
                           'the map mean; iou at threshold 0.5',
            'model': {k: round(float(v), 4) for k, v in model_metrics.items()},
            'model_without_calibration': {k: round(float(v), 4) for k, v in uncalibrated_metrics.items()},
            'baseline_laplacian_energy': {k: round(float(v), 4) for k, v in baseline_metrics.items()},
        },
        'published_cuhk_test_mae_for_context': PUBLISHED_CUHK_MAE,
        'caveats': [
            *(['The run was stopped and resumed (see training.segments); where the schedule length changed at a resume, '
               'the cosine decay continued from the same step under the new length.']
              if sum(1 for e in events if e.get('event') == 'start') > 1 else []),
            *([f'The run started from the weights of {warm_start.get("model", warm_start["checkpoint"])} (training.warm_start): '
               'its steps and wall time come on top of this run\'s.'] if warm_start else []),
            'The checkpoint shipped is the one with the lowest validation MAE (before calibration), so the validation '
            'photos also chose the step; the logit scale was fit on training photos only.',
            'Published numbers are on the 100-photo CUHK test split, which is not available here; ours are on photos '
            'held out of the training split, so they compare only roughly.',
            'Masks of CUHK mark defocus, with 255 = blurred; DUT-DBD uses the opposite polarity.',
        ],
        'reproduce': (f'cd models/training && python3 -m defusionnet.train --data <CUHK>/train --out {args.run} '
                      + ' '.join(f'--{k.replace("_", "-")} {run_args[k]}' for k in ('init', 'steps', 'batch_size', 'crop', 'lr', 'warmup', 'val_every', 'seed') if run_args.get(k) is not None)
                      + f' >> {args.run}/log.jsonl && python3 -m defusionnet.model_card --run {args.run} --data <CUHK>/train --name {args.name} --version {args.version} --out ..'
                      + (' (the --init checkpoint is the model of training.warm_start, in this repository\'s history)' if warm_start else '')),
        'reproduce_metrics': (f'cd models/training && python3 -m defusionnet.evaluate --model ../{args.name}.pt '
                              f'--data <CUHK>/train --holdout {fraction} --seed {seed}'),
    }
    with open(card_path, 'w') as handle:
        json.dump(card, handle, indent=2)
        handle.write('\n')
    print(json.dumps({'event': 'model_card', 'card': card_path, 'metrics': card['metrics']['model'],
                      'baseline': card['metrics']['baseline_laplacian_energy']}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
