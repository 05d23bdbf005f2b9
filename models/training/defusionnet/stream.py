"""Endless training batches, the same whichever process or worker builds them.

Each draw (the n-th sample the run takes) is a pure function of the seed and n: the
epoch's order comes from (seed, epoch) and the draw's augmentation from its own random
generator seeded with (seed, n). So a resumed run that starts at batch k sees exactly
what the uninterrupted run saw, and any number of DataLoader workers build the same
batches in the same order.
"""

from __future__ import annotations

import random
from typing import Iterator, List, Sequence, Tuple

import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from .augment import AugmentConfig, Augmenter
from .data import Sample

Batch = Tuple[torch.Tensor, torch.Tensor]


class BatchStream(IterableDataset):
    """Batches ``start_batch, start_batch + 1, ...``; worker w of W builds every W-th one."""

    def __init__(self, samples: Sequence[Sample], sharp_pool: Sequence[Sample], config: AugmentConfig,
                 batch_size: int, seed: int, start_batch: int = 0) -> None:
        super().__init__()
        self.samples = list(samples)
        self.sharp_pool = list(sharp_pool)
        self.config = config
        self.batch_size = batch_size
        self.seed = seed
        self.start_batch = start_batch

    def order(self, epoch: int) -> List[int]:
        order = list(range(len(self.samples)))
        random.Random(self.seed * 1_000_003 + epoch).shuffle(order)
        return order

    def batch(self, index: int) -> Batch:
        """Images [B,3,H,W] in 0..1 and targets [B,1,H,W] in {0,1} of batch ``index``."""
        count = len(self.samples)
        images, targets = [], []
        orders = {}
        for draw in range(index * self.batch_size, (index + 1) * self.batch_size):
            epoch, position = divmod(draw, count)
            if epoch not in orders:
                orders[epoch] = self.order(epoch)
            augmenter = Augmenter(self.config, random.Random(self.seed * 7_919 + draw * 104_729 + 17))
            image, target = augmenter(self.samples[orders[epoch][position]], self.sharp_pool)
            images.append(torch.from_numpy(image).permute(2, 0, 1))
            targets.append(torch.from_numpy(target)[None])
        return torch.stack(images), torch.stack(targets)

    def __iter__(self) -> Iterator[Batch]:
        info = get_worker_info()
        worker, workers = (0, 1) if info is None else (info.id, info.num_workers)
        index = self.start_batch + worker
        while True:
            yield self.batch(index)
            index += workers


def batches(samples: Sequence[Sample], sharp_pool: Sequence[Sample], config: AugmentConfig, batch_size: int,
            seed: int, start_batch: int = 0, workers: int = 0) -> Iterator[Batch]:
    """The stream, built in this process (``workers=0``) or by worker processes, in order."""
    stream = BatchStream(samples, sharp_pool, config, batch_size, seed, start_batch)
    if workers <= 0:
        return iter(stream)
    # Workers hand batches back round-robin, so the order is the stream's own.
    loader = DataLoader(stream, batch_size=None, num_workers=workers, persistent_workers=True,
                        prefetch_factor=4, worker_init_fn=_one_thread)
    return iter(loader)


def _one_thread(_worker_id: int) -> None:
    # Augmentation is numpy and PIL; a worker's torch threads would only fight the trainer's.
    torch.set_num_threads(1)
