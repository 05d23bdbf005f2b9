"""Builds ``datasets/sample``: real photos with synthetic defocus whose extent is known exactly.

The studio ships this small library and opens it when no library is chosen, so
that detection, correction and evaluation can be tried at once. Ground truth for
real defocus has to be drawn by hand and is never exact; here every photo starts
sharp (deep depth of field), and chosen regions are blurred with a disk PSF (the
physically right kernel for a thin lens, see ``synthetic.disk_kernel``). Blurred and
sharp pixels are composited with the hard region mask, so the GT mask is exact:
a 0 pixel is a pixel of the sharp photo, a 255 pixel is a blurred one.

The regions are deliberate and photo-like (a sharp subject before a blurred
background, a blurred foreground, a tilt-shift band, a depth that grows across the
frame with two radii), plus two edge cases: a photo left wholly sharp and one
blurred almost everywhere. Nothing is random, so two runs give identical files.

Sources are freely licensed photographs shipped in Debian packages; the table
``PHOTOS`` names each file by its installed path and its SHA-256, and a file that
differs is refused (the output would silently change otherwise). Regenerate with::

    apt-get install python3-skimage lomiri-wallpapers-16.04 plasma-workspace-wallpapers
    cd models/training
    /usr/bin/python3 -m defusionnet.make_sample --sources / --out ../../datasets/sample

or without installing: ``apt-get download <those packages>``, ``dpkg -x`` each
``.deb`` into one folder, and pass that folder as ``--sources``.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image, ImageDraw, ImageOps

from .synthetic import disk_kernel

#: Fixed encoder settings: the same pixels always give the same bytes.
JPEG_QUALITY = 90
#: Debian releases the sources were taken from (bookworm).
DEBIAN_RELEASE = 'Debian 12 (bookworm)'

Point = Tuple[float, float]


# --- Regions: fractions of the frame, drawn at the stored pixel size -------------


class Region:
    """A set of pixels, described in fractions of the frame so that it fits any size."""

    def pixels(self, width: int, height: int) -> np.ndarray:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


def _scaled(points: Sequence[Point], width: int, height: int) -> List[Tuple[float, float]]:
    return [(x * width, y * height) for x, y in points]


def _draw(width: int, height: int, paint) -> np.ndarray:
    # Drawn without anti-aliasing: the mask must be strictly binary.
    canvas = Image.new('1', (width, height), 0)
    paint(ImageDraw.Draw(canvas))
    return np.asarray(canvas, dtype=bool)


@dataclass(frozen=True)
class Polygon(Region):
    """A closed polygon through ``points`` (x, y fractions)."""

    points: Tuple[Point, ...]

    def pixels(self, width: int, height: int) -> np.ndarray:
        return _draw(width, height, lambda draw: draw.polygon(_scaled(self.points, width, height), fill=1))

    def describe(self) -> str:
        return f'polygon of {len(self.points)} points'


@dataclass(frozen=True)
class Ellipse(Region):
    """An axis-aligned ellipse: centre and radii as fractions of width and height."""

    cx: float
    cy: float
    rx: float
    ry: float

    def pixels(self, width: int, height: int) -> np.ndarray:
        box = ((self.cx - self.rx) * width, (self.cy - self.ry) * height,
               (self.cx + self.rx) * width, (self.cy + self.ry) * height)
        return _draw(width, height, lambda draw: draw.ellipse(box, fill=1))

    def describe(self) -> str:
        return f'ellipse at ({self.cx:.2f}, {self.cy:.2f})'


def _to_edges(line: Tuple[Point, ...]) -> Tuple[Point, ...]:
    # Carried just past the frame, so that the first and last pixel columns are covered.
    return ((-0.01, line[0][1]),) + line + ((1.01, line[-1][1]),)


@dataclass(frozen=True)
class Above(Region):
    """Everything above a polyline that runs from the left edge to the right edge."""

    line: Tuple[Point, ...]

    def pixels(self, width: int, height: int) -> np.ndarray:
        outline = ((-0.01, -0.01),) + _to_edges(self.line) + ((1.01, -0.01),)
        return Polygon(outline).pixels(width, height)

    def describe(self) -> str:
        return 'above a depth line'


@dataclass(frozen=True)
class Below(Region):
    """Everything below a polyline that runs from the left edge to the right edge."""

    line: Tuple[Point, ...]

    def pixels(self, width: int, height: int) -> np.ndarray:
        outline = ((-0.01, 1.01),) + _to_edges(self.line) + ((1.01, 1.01),)
        return Polygon(outline).pixels(width, height)

    def describe(self) -> str:
        return 'below a depth line'


@dataclass(frozen=True)
class Outside(Region):
    """The complement of one or more regions: the background around a sharp subject."""

    subjects: Tuple[Region, ...]

    def pixels(self, width: int, height: int) -> np.ndarray:
        inside = np.zeros((height, width), dtype=bool)
        for subject in self.subjects:
            inside |= subject.pixels(width, height)
        return ~inside

    def describe(self) -> str:
        return 'outside ' + ' and '.join(subject.describe() for subject in self.subjects)


@dataclass(frozen=True)
class BlurLayer:
    """One depth layer: its region is blurred with a disk PSF of ``radius`` pixels
    (at the stored size). A later layer wins where layers overlap."""

    region: Region
    radius: float


@dataclass(frozen=True)
class Source:
    """Where a sharp source photo comes from, as the Debian package installs it."""

    package: str
    version: str
    path: str
    sha256: str
    author: str
    licence: str


@dataclass(frozen=True)
class SamplePhoto:
    """One photo of the sample library: its source, its size and its defocus."""

    stem: str
    split: str
    scene: str
    source: Source
    max_side: int
    layers: Tuple[BlurLayer, ...] = field(default_factory=tuple)


# --- The sources ----------------------------------------------------------------------

_SKIMAGE = ('python3-skimage', '0.19.3-8', '/usr/lib/python3/dist-packages/skimage/data/')
_LOMIRI = ('lomiri-wallpapers-16.04', '20.04.0-2', '/usr/share/backgrounds/')
_PLASMA = ('plasma-workspace-wallpapers', '4:5.27.5-2', '/usr/share/wallpapers/')

#: Where each package states the licence of the files taken from it.
LICENCE_NOTES: Dict[str, str] = {
    'python3-skimage': ('each photo\'s licence is stated in the docstring of its `skimage.data` function '
                        '(`skimage/data/_fetchers.py`: astronaut, coffee, rocket); the package itself is BSD-3-Clause'),
    'lomiri-wallpapers-16.04': 'licence stated per file in `/usr/share/doc/lomiri-wallpapers-16.04/copyright`',
    'plasma-workspace-wallpapers': ('licence stated per wallpaper in `/usr/share/wallpapers/<Name>/metadata.json` '
                                    '("License": "LGPLv3", with the author); `/usr/share/doc/plasma-workspace-wallpapers/'
                                    'copyright` covers the package as a whole as GPL-2+'),
}


def _skimage(file: str, sha256: str, author: str, licence: str) -> Source:
    package, version, root = _SKIMAGE
    return Source(package, version, root + file, sha256, author, licence)


def _lomiri(file: str, sha256: str, author: str) -> Source:
    package, version, root = _LOMIRI
    return Source(package, version, root + file, sha256, author, 'CC-BY-4.0')


def _plasma(name: str, sha256: str, author: str) -> Source:
    package, version, root = _PLASMA
    return Source(package, version, f'{root}{name}/contents/images/2560x1600.jpg', sha256, author, 'LGPL-3.0')


#: The sample library. Coordinates are fractions of the frame (x right, y down),
#: placed by looking at each photo; radii are pixels at the stored size (3-12).
PHOTOS: Tuple[SamplePhoto, ...] = (
    SamplePhoto(
        stem='astronaut', split='train',
        scene='portrait: the sitter sharp, the flag and the shuttle model behind her blurred',
        source=_skimage('astronaut.png',
                        '88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5',
                        'NASA (Eileen Collins, NASA Great Images)', 'public domain'),
        max_side=1280,
        layers=(BlurLayer(Outside((Polygon((
            (0.30, 0.20), (0.29, 0.10), (0.34, 0.035), (0.44, 0.015), (0.54, 0.035), (0.60, 0.12),
            (0.60, 0.25), (0.63, 0.32), (0.67, 0.45), (0.70, 0.58), (0.73, 0.67), (0.80, 0.655),
            (0.92, 0.69), (1.01, 0.80), (1.01, 1.01), (-0.01, 1.01), (-0.01, 0.74), (0.04, 0.60),
            (0.12, 0.50), (0.21, 0.44), (0.22, 0.33), (0.27, 0.27),
        )),)), 4.0),),
    ),
    SamplePhoto(
        stem='coffee', split='test',
        scene='still life: the cup and saucer sharp, the wooden table around them blurred',
        source=_skimage('coffee.png',
                        'cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7',
                        'Rachel Michetti (Pikolo Espresso Bar)', 'CC0-1.0'),
        max_side=1280,
        layers=(BlurLayer(Outside((Ellipse(0.46, 0.57, 0.355, 0.425), Ellipse(0.49, 0.22, 0.215, 0.205))), 5.0),),
    ),
    SamplePhoto(
        stem='rocket-launch', split='train',
        scene='night: the rocket on its pad sharp, the towers and the pad lights blurred into discs',
        source=_skimage('rocket.jpg',
                        'c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c',
                        'SpaceX', 'public domain'),
        max_side=1280,
        layers=(BlurLayer(Outside((Polygon((
            (0.50, 0.28), (0.53, 0.30), (0.54, 0.36), (0.54, 0.81), (0.58, 0.85), (0.60, 1.01),
            (0.41, 1.01), (0.43, 0.85), (0.465, 0.81), (0.465, 0.36), (0.475, 0.30),
        )),)), 6.0),),
    ),
    SamplePhoto(
        stem='fig-bowl', split='train',
        scene='top-down still life: the bowl with the fig sharp, the concrete floor blurred',
        source=_lomiri('Picture_0B_by_freespace.jpg',
                       'c8c0ab18e48d9e0419fe42881112137f3afafc27dfddc29ec3a6d54c56d225ad',
                       'Trevor "Freespace"'),
        max_side=1024,
        layers=(BlurLayer(Outside((Polygon((
            (0.21, 0.52), (0.25, 0.42), (0.34, 0.29), (0.49, 0.16), (0.65, 0.12), (0.80, 0.15),
            (0.93, 0.26), (0.995, 0.45), (0.99, 0.62), (0.94, 0.78), (0.83, 0.91), (0.68, 0.98),
            (0.55, 1.01), (0.42, 0.94), (0.31, 0.81), (0.24, 0.66),
        )),)), 7.0),),
    ),
    SamplePhoto(
        stem='autumn-meadow', split='train',
        scene='landscape focused on the meadow: the trees blurred, the mountains and sky more so (two radii)',
        source=_lomiri('aitzgorri_by_Aitzol_Berasategi.jpg',
                       '66268e7b48f8854d36a28765fac6e23ec1aee251daa6da1f64715f201020ad36',
                       'Aitzol Berasategi'),
        max_side=1600,
        layers=(
            BlurLayer(Above(((0.0, 0.60), (0.3, 0.62), (0.5, 0.655), (0.62, 0.685), (0.7, 0.69),
                             (0.8, 0.71), (0.9, 0.73), (1.0, 0.76))), 4.0),
            BlurLayer(Above(((0.0, 0.24), (0.2, 0.31), (0.4, 0.40), (0.55, 0.48), (0.68, 0.45),
                             (0.78, 0.40), (0.9, 0.33), (1.0, 0.26))), 10.0),
        ),
    ),
    SamplePhoto(
        stem='mountain-path', split='test',
        scene='mountains focused on the near slope: the cliffs, the snow and the sky blurred',
        source=_lomiri('picosdeeuropa_by_Aitzol_Berasategi.jpg',
                       '414d0072b2f6f2c555deafeaef6e45c4fed6fa9ad26eba6560ca8803959cf97a',
                       'Aitzol Berasategi'),
        max_side=1280,
        layers=(BlurLayer(Above(((0.0, 0.44), (0.2, 0.49), (0.3, 0.51), (0.38, 0.555), (0.45, 0.60),
                                 (0.6, 0.625), (0.8, 0.66), (1.0, 0.68))), 7.0),),
    ),
    SamplePhoto(
        stem='forest-stream', split='train',
        scene='tilt-shift look: a sharp band along the stream, the canopy and the near rocks blurred (two radii)',
        source=_lomiri('life_by_Aitzol_Berasategi.jpg',
                       '4c119350ead80201fe256850c3d316309ddfb4bdf10b235ce982dcde0c667c05',
                       'Aitzol Berasategi'),
        max_side=1280,
        layers=(
            BlurLayer(Above(((0.0, 0.30), (1.0, 0.40))), 9.0),
            BlurLayer(Below(((0.0, 0.80), (1.0, 0.74))), 5.0),
        ),
    ),
    SamplePhoto(
        stem='evening-boats', split='test',
        scene='lakeshore focused on the boats: the lake blurred, the far shore and the sky more so (two radii)',
        source=_plasma('EveningGlow', '586682dcb362b9f620068f10138f87d0d3649939aef238adc5807cb951976a7a', 'Ian Hex'),
        max_side=1440,
        layers=(
            BlurLayer(Above(((0.0, 0.49), (0.3, 0.48), (0.6, 0.46), (0.8, 0.445), (1.0, 0.43))), 4.0),
            BlurLayer(Above(((0.0, 0.37), (1.0, 0.37))), 9.0),
        ),
    ),
    SamplePhoto(
        stem='moss-one-stands-out', split='test',
        scene='edge case, almost all blurred: only the orange moss rosette is in focus',
        source=_plasma('OneStandsOut', 'cb507baf1dafdcae362264f3aba9483ed4be5f6c9fdd770f0ec0920c6d9e80fd',
                       'Risto Saukonpää'),
        max_side=1280,
        layers=(BlurLayer(Outside((Ellipse(0.648, 0.495, 0.06, 0.092),)), 6.0),),
    ),
    SamplePhoto(
        stem='colourful-cups', split='train',
        scene='oblique view of cups: the near cups sharp, the middle ones blurred, the far red ones more so (two radii)',
        source=_plasma('ColorfulCups', '6e0f3a72feb5a4a9fec191b77e34874c3c69e2d93040deb3f07773e73385023d',
                       'Dmitri Popov'),
        max_side=1024,
        layers=(
            BlurLayer(Above(((0.0, 0.45), (1.0, 0.72))), 3.0),
            BlurLayer(Above(((0.0, 0.12), (1.0, 0.40))), 8.0),
        ),
    ),
    SamplePhoto(
        stem='grey-architecture', split='train',
        scene='edge case, all sharp: a facade of curved slats, nothing blurred',
        source=_plasma('Grey', '88c31d8944b7e6935d1b9a296654c692f0772cb512491713eb30a972a604c0ed', 'Sigi Sagi'),
        max_side=1280,
        layers=(),
    ),
    SamplePhoto(
        stem='forest-path', split='train',
        scene='forest focused on the middle distance: the near forest floor blurred',
        source=_plasma('Path', '7477457d7f17b736259f1b021864778ad4ba802cf3214e6728181ff29126bba8', 'Risto Saukonpää'),
        max_side=1280,
        layers=(BlurLayer(Below(((0.0, 0.76), (0.5, 0.745), (1.0, 0.72))), 8.0),),
    ),
)


# --- Rendering ------------------------------------------------------------------------


def disk_blur(image: np.ndarray, radius: float) -> np.ndarray:
    """Convolves an HxWx3 uint8 image with the disk PSF, centred and edge-reflected.

    The blurred pixels must stay where they were: the GT mask is drawn on the sharp
    photo's grid, and a blur displaced by even a few pixels would carry the sharp
    subject's edge into the region its mask calls background.
    """
    if radius < 0.5:
        return image.copy()
    kernel = disk_kernel(radius)
    pad = kernel.shape[0] // 2
    padded = np.pad(image.astype(np.float64), ((pad, pad), (pad, pad), (0, 0)), mode='reflect')
    height, width = padded.shape[:2]
    kernel_fft = np.fft.rfft2(kernel, s=(height, width))
    out = np.empty_like(padded)
    for channel in range(image.shape[2]):
        out[..., channel] = np.fft.irfft2(np.fft.rfft2(padded[..., channel]) * kernel_fft, s=(height, width))
    # The FFT product is a circular convolution; with the kernel's origin at its
    # corner, output row j is centred on padded row j - pad, i.e. source row j - 2*pad.
    # Rows from 2*pad on are free of wrap-around and line up with the source.
    out = out[2 * pad:, 2 * pad:]
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def load_source(path: Path, max_side: int) -> Image.Image:
    """Decodes a source photo upright in RGB, downscaled (never upscaled) to ``max_side``."""
    with Image.open(path) as raw:
        image = ImageOps.exif_transpose(raw).convert('RGB')
    scale = max_side / max(image.size)
    if scale < 1:
        size = (round(image.width * scale), round(image.height * scale))
        image = image.resize(size, Image.LANCZOS)
    return image


def layer_labels(layers: Sequence[BlurLayer], width: int, height: int) -> np.ndarray:
    """Per pixel, the index of the layer that blurs it, or -1 where the photo stays sharp."""
    labels = np.full((height, width), -1, dtype=np.int16)
    for index, layer in enumerate(layers):
        labels[layer.region.pixels(width, height)] = index
    return labels


def _box_smooth(values: np.ndarray, radius: int) -> np.ndarray:
    """Mean over a (2r+1)^2 window, edges reflected; three passes approach a Gaussian."""
    out = values.astype(np.float64)
    for _ in range(3):
        for axis in (0, 1):
            pad = [(0, 0), (0, 0)]
            pad[axis] = (radius + 1, radius)
            padded = np.pad(out, pad, mode='reflect')
            sums = np.cumsum(padded, axis=axis)
            size = 2 * radius + 1
            out = (np.take(sums, range(size, sums.shape[axis]), axis=axis)
                   - np.take(sums, range(0, sums.shape[axis] - size), axis=axis)) / size
    return out


def render(sharp: np.ndarray, layers: Sequence[BlurLayer]) -> Tuple[np.ndarray, np.ndarray]:
    """Applies the layers to a sharp HxWx3 uint8 photo. Returns (photo, GT mask 0/255).

    Outside the mask every pixel is the sharp photo's own pixel, so the label is
    exact. Where two blurred layers meet, their blurs are cross-faded (over about
    2% of the frame) as a depth that changes smoothly would do; that fade never
    crosses into the sharp part, which only the hard mask decides.
    """
    height, width = sharp.shape[:2]
    labels = layer_labels(layers, width, height)
    blurred_region = labels >= 0
    mask = np.where(blurred_region, 255, 0).astype(np.uint8)
    if not layers:
        return sharp.copy(), mask
    blurred = [disk_blur(sharp, layer.radius) for layer in layers]
    if len(layers) == 1:
        mixed = blurred[0]
    else:
        fade = max(2, round(0.01 * max(width, height)))
        weights = [_box_smooth(labels == index, fade) for index in range(len(layers))]
        total = np.sum(weights, axis=0)
        # Every blurred pixel counts its own layer, so ``total`` is positive there.
        total = np.where(blurred_region, np.maximum(total, 1e-12), 1.0)
        accumulated = np.zeros(sharp.shape, dtype=np.float64)
        for weight, image in zip(weights, blurred):
            accumulated += (weight / total)[..., None] * image
        mixed = np.clip(accumulated + 0.5, 0, 255).astype(np.uint8)
    photo = np.where(blurred_region[..., None], mixed, sharp)
    return photo, mask


def encode_jpeg(photo: np.ndarray) -> bytes:
    """Baseline JPEG at a fixed quality, no metadata: identical pixels, identical bytes."""
    buffer = io.BytesIO()
    Image.fromarray(photo, 'RGB').save(buffer, 'JPEG', quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def encode_mask(mask: np.ndarray) -> bytes:
    """8-bit grayscale PNG without text or time chunks."""
    buffer = io.BytesIO()
    Image.fromarray(mask, 'L').save(buffer, 'PNG', optimize=True)
    return buffer.getvalue()


# --- The library on disk ----------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def resolve_source(sources: Path, source: Source) -> Path:
    """The source file under ``sources`` (``/`` when the packages are installed), verified."""
    path = sources / source.path.lstrip('/')
    if not path.is_file():
        raise SystemExit(f'missing {path}: install (or apt-get download + dpkg -x) {source.package} {source.version}')
    actual = sha256_of(path)
    if actual != source.sha256:
        raise SystemExit(f'{path} differs from {source.package} {source.version} '
                         f'(sha256 {actual}, expected {source.sha256}); the sample would not be reproduced')
    return path


def photo_entry(photo: SamplePhoto, source_size: Tuple[int, int], mask: np.ndarray) -> Dict[str, object]:
    height, width = mask.shape
    labels_area = mask.size
    layers = []
    if photo.layers:
        labels = layer_labels(photo.layers, width, height)
        for index, layer in enumerate(photo.layers):
            layers.append({
                'radius': layer.radius,
                'region': layer.region.describe(),
                'fraction': round(float((labels == index).sum()) / labels_area, 4),
            })
    return {
        'stem': photo.stem,
        'split': photo.split,
        'image': f'images/{photo.stem}.jpg',
        'gt': f'gt/{photo.stem}.png',
        'width': width,
        'height': height,
        'scene': photo.scene,
        'source': {
            'package': photo.source.package,
            'version': photo.source.version,
            'path': photo.source.path,
            'sha256': photo.source.sha256,
            'width': source_size[0],
            'height': source_size[1],
            'author': photo.source.author,
            'licence': photo.source.licence,
        },
        'blurRadii': [layer.radius for layer in photo.layers],
        'blurFraction': round(float((mask > 0).sum()) / labels_area, 4),
        'layers': layers,
    }


def manifest(entries: List[Dict[str, object]]) -> Dict[str, object]:
    splits = [entry['split'] for entry in entries]
    return {
        'name': 'sample',
        'description': 'DeFusion Studio sample library: sharp photographs with synthetic disk-PSF '
                       'defocus in known regions and their exact masks',
        'source': f'freely licensed photographs from {DEBIAN_RELEASE} packages, made by '
                  'models/training/defusionnet/make_sample.py (see SOURCES.md)',
        'layout': 'ctcug',
        'mask': '8-bit grayscale PNG at the photo size; 255 = defocus-blurred, 0 = in focus',
        'annotation': {'author': 'synthetic', 'status': 'reviewed', 'exact': True},
        'synthesis': {
            'psf': 'disk (uniform circle of confusion), radius in pixels at the stored size',
            'composite': 'hard mask; blurred layers cross-faded only with each other',
            'resize': 'Lanczos downscale of the source to its stored size before blurring, never upscaled',
            'jpegQuality': JPEG_QUALITY,
        },
        'counts': {
            'photos': len(entries),
            'masks': len(entries),
            'train': splits.count('train'),
            'test': splits.count('test'),
            'allSharp': sum(1 for entry in entries if entry['blurFraction'] == 0),
        },
        'photos': entries,
    }


def sources_markdown(entries: List[Dict[str, object]]) -> str:
    lines = [
        '# Sources of the sample photos',
        '',
        'Every photo in `images/` is a freely licensed photograph taken from a',
        f'{DEBIAN_RELEASE} package, downscaled (never upscaled) with a Lanczos filter and',
        'then blurred in the regions its mask in `gt/` marks (disk PSF, see `manifest.json`',
        'for the radii). Those are the only changes. Each derived photo is distributed',
        'under the licence of its source, as listed here; the masks are generated data.',
        '',
        'Regenerate with `models/training/defusionnet/make_sample.py` (see `../README.md`).',
        '',
        '| Photo | Package (version) | File in the package | Author | Licence | Source size | Stored size | Blur radii (px) | Blurred |',
        '|---|---|---|---|---|---|---|---|---|',
    ]
    for entry in entries:
        source = entry['source']
        radii = ', '.join(f'{radius:g}' for radius in entry['blurRadii']) or '-'
        lines.append(
            f"| `{entry['stem']}` | `{source['package']}` ({source['version']}) | `{source['path']}` "
            f"| {source['author']} | {source['licence']} | {source['width']}x{source['height']} "
            f"| {entry['width']}x{entry['height']} | {radii} | {entry['blurFraction'] * 100:.1f}% |"
        )
    lines += ['', '## Where each licence is stated', '']
    for package in sorted({entry['source']['package'] for entry in entries}):
        lines.append(f'- `{package}`: {LICENCE_NOTES[package]}.')
    lines += [
        '',
        '## Licence texts',
        '',
        '- public domain: NASA and SpaceX photographs, no copyright restrictions.',
        '- CC0-1.0: https://creativecommons.org/publicdomain/zero/1.0/',
        '- CC-BY-4.0: https://creativecommons.org/licenses/by/4.0/ (attribution: the author named above;',
        '  changes: downscaled, regions blurred as `gt/` shows).',
        '- LGPL-3.0: https://www.gnu.org/licenses/lgpl-3.0.html (on Debian: `/usr/share/common-licenses/LGPL-3`).',
        '',
    ]
    return '\n'.join(lines)


def build(sources: Path, out: Path, photos: Sequence[SamplePhoto] = PHOTOS) -> Dict[str, object]:
    """Writes the whole sample library into ``out``; returns its manifest."""
    # Every source is checked before anything is written, so a missing package
    # leaves the library as it was.
    paths = [resolve_source(sources, photo.source) for photo in photos]
    (out / 'images').mkdir(parents=True, exist_ok=True)
    (out / 'gt').mkdir(parents=True, exist_ok=True)
    stems = {photo.stem for photo in photos}
    # Files of photos no longer in the table would otherwise linger in the library.
    for folder, suffix in (('images', '.jpg'), ('gt', '.png')):
        for stale in (out / folder).iterdir():
            if stale.suffix == suffix and stale.stem not in stems:
                stale.unlink()
    entries = []
    for photo, path in zip(photos, paths):
        with Image.open(path) as probe:
            source_size = ImageOps.exif_transpose(probe).size
        sharp = np.asarray(load_source(path, photo.max_side))
        blurred, mask = render(sharp, photo.layers)
        (out / 'images' / f'{photo.stem}.jpg').write_bytes(encode_jpeg(blurred))
        (out / 'gt' / f'{photo.stem}.png').write_bytes(encode_mask(mask))
        entries.append(photo_entry(photo, source_size, mask))
        print(f'{photo.stem}: {mask.shape[1]}x{mask.shape[0]}, radii {[layer.radius for layer in photo.layers]}, '
              f'blurred {entries[-1]["blurFraction"] * 100:.1f}%', file=sys.stderr)
    for split in ('train', 'test'):
        names = [photo.stem for photo in photos if photo.split == split]
        (out / f'{split}.txt').write_text(''.join(f'{name}\n' for name in names), encoding='utf-8')
    library = manifest(entries)
    (out / 'manifest.json').write_text(json.dumps(library, indent=2, ensure_ascii=False) + '\n', encoding='utf-8')
    (out / 'SOURCES.md').write_text(sources_markdown(entries), encoding='utf-8')
    return library


def default_out() -> Path:
    return Path(__file__).resolve().parents[3] / 'datasets' / 'sample'


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--sources', type=Path, default=Path('/'),
                        help='root the package files are found under: / when installed, '
                             'or the folder the .deb files were extracted into (default /)')
    parser.add_argument('--out', type=Path, default=default_out(),
                        help=f'library folder to write (default {os.path.relpath(default_out())})')
    args = parser.parse_args(argv)
    library = build(args.sources, args.out)
    counts = library['counts']
    print(f"{args.out}: {counts['photos']} photos ({counts['train']} train, {counts['test']} test)")
    return 0


if __name__ == '__main__':
    sys.exit(main())
