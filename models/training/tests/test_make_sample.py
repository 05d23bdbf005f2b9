"""The shipped sample library (``datasets/sample``) and the script that makes it.

The first half checks the committed files as the studio will read them: the
CTCUG layout, binary masks at the photo size, the split lists, the manifest, and
that the marked region really is the blurred one. The second half runs the
generator itself on a photo made here, so it needs none of the Debian packages.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from defusionnet import make_sample  # noqa: E402
from defusionnet.make_sample import Above, BlurLayer, Ellipse, Outside, SamplePhoto, Source  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[3] / 'datasets' / 'sample'


def stems_in(folder: str, suffix: str) -> set:
    return {path.stem for path in (SAMPLE / folder).iterdir() if path.suffix == suffix}


def read_list(name: str) -> list:
    return (SAMPLE / name).read_text(encoding='utf-8').split()


def mean_abs_laplacian(gray: np.ndarray, where: np.ndarray) -> float:
    lap = np.abs(4 * gray[1:-1, 1:-1] - gray[:-2, 1:-1] - gray[2:, 1:-1] - gray[1:-1, :-2] - gray[1:-1, 2:])
    return float(lap[where[1:-1, 1:-1]].mean())


@pytest.fixture(scope='module')
def manifest() -> dict:
    return json.loads((SAMPLE / 'manifest.json').read_text(encoding='utf-8'))


@pytest.fixture(scope='module')
def pairs() -> dict:
    """stem -> (RGB photo, mask) as decoded from the committed files."""
    loaded = {}
    for stem in sorted(stems_in('images', '.jpg')):
        with Image.open(SAMPLE / 'images' / f'{stem}.jpg') as photo, Image.open(SAMPLE / 'gt' / f'{stem}.png') as mask:
            assert mask.mode == 'L', f'{stem}: mask mode {mask.mode}, expected 8-bit grayscale'
            loaded[stem] = (np.asarray(photo.convert('RGB')), np.asarray(mask))
    return loaded


# --- The committed sample -------------------------------------------------------------


def test_every_photo_has_a_mask_of_its_size(pairs):
    assert stems_in('images', '.jpg') == stems_in('gt', '.png')
    assert len(pairs) >= 10
    for stem, (photo, mask) in pairs.items():
        assert photo.shape[:2] == mask.shape, stem
        # Library-friendly: small enough to ship, never blown up past the source.
        assert max(mask.shape) <= 1600, stem


def test_masks_are_strictly_binary(pairs):
    for stem, (_, mask) in pairs.items():
        assert set(np.unique(mask).tolist()) <= {0, 255}, stem


def test_train_and_test_lists_cover_every_photo_once(pairs):
    train, test = read_list('train.txt'), read_list('test.txt')
    listed = train + test
    assert len(listed) == len(set(listed)), 'a stem is listed twice'
    assert set(listed) == set(pairs)
    assert train and test


def test_manifest_counts_and_entries_match_the_files(manifest, pairs):
    counts = manifest['counts']
    assert counts['photos'] == counts['masks'] == len(pairs) == len(manifest['photos'])
    assert counts['train'] == len(read_list('train.txt'))
    assert counts['test'] == len(read_list('test.txt'))
    assert counts['allSharp'] == sum(1 for _, mask in pairs.values() if not mask.any())
    for entry in manifest['photos']:
        photo, mask = pairs[entry['stem']]
        assert entry['image'] == f"images/{entry['stem']}.jpg"
        assert entry['gt'] == f"gt/{entry['stem']}.png"
        assert (entry['width'], entry['height']) == (mask.shape[1], mask.shape[0])
        assert entry['stem'] in read_list(f"{entry['split']}.txt")
        assert entry['blurFraction'] == pytest.approx((mask > 0).mean(), abs=1e-4)
        assert all(3 <= radius <= 12 for radius in entry['blurRadii'])
        assert bool(entry['blurRadii']) == bool(mask.any())
        source = entry['source']
        for key in ('package', 'version', 'path', 'licence', 'author', 'sha256'):
            assert source[key], f"{entry['stem']}: source {key} missing"
        assert entry['width'] <= source['width'] and entry['height'] <= source['height']


def test_manifest_agrees_with_the_generator_table(manifest):
    by_stem = {entry['stem']: entry for entry in manifest['photos']}
    assert list(by_stem) == [photo.stem for photo in make_sample.PHOTOS]
    for photo in make_sample.PHOTOS:
        entry = by_stem[photo.stem]
        assert entry['split'] == photo.split
        assert entry['blurRadii'] == [layer.radius for layer in photo.layers]
        assert entry['source']['path'] == photo.source.path
        assert entry['source']['sha256'] == photo.source.sha256
        assert entry['source']['package'] == photo.source.package


def test_sources_document_every_photo(manifest):
    text = (SAMPLE / 'SOURCES.md').read_text(encoding='utf-8')
    for entry in manifest['photos']:
        assert f"`{entry['stem']}`" in text
        assert entry['source']['path'] in text
        assert entry['source']['licence'] in text


def test_the_edge_cases_are_there(pairs):
    fractions = sorted((mask > 0).mean() for _, mask in pairs.values())
    assert fractions[0] == 0, 'one photo stays wholly sharp'
    assert fractions[-1] >= 0.95, 'one photo is blurred almost everywhere'


def test_the_marked_region_is_the_blurred_one(pairs):
    for stem, (photo, mask) in pairs.items():
        blurred = mask > 127
        if blurred.all() or not blurred.any():
            continue
        gray = photo.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        inside, outside = mean_abs_laplacian(gray, blurred), mean_abs_laplacian(gray, ~blurred)
        # Disk radii of 3 px and more take out most of the high frequencies;
        # half is a margin that JPEG noise and flat skies do not close.
        assert inside < 0.5 * outside, f'{stem}: |Laplacian| {inside:.2f} inside the mask, {outside:.2f} outside'


def test_sample_stays_small():
    total = sum(path.stat().st_size for path in SAMPLE.rglob('*') if path.is_file())
    assert total < 8 * 1024 * 1024


# --- The generator --------------------------------------------------------------------


def structured_photo(height: int = 240, width: int = 360) -> np.ndarray:
    """A sharp photo stand-in: fine stripes, a checkerboard and noise, all high-frequency."""
    rng = np.random.default_rng(7)
    y, x = np.mgrid[:height, :width]
    stripes = 127 + 100 * np.sin(x / 2.0)
    checks = ((x // 6 + y // 6) % 2) * 90
    image = np.stack([stripes, checks + 60, (stripes + checks) / 2], axis=-1) + rng.normal(0, 8, (height, width, 3))
    return np.clip(image, 0, 255).astype(np.uint8)


def test_disk_blur_stays_centred_and_does_not_wrap():
    dot = np.zeros((64, 80, 3), np.uint8)
    dot[30, 40] = 255
    spread = make_sample.disk_blur(dot, 5.0)[..., 0].astype(np.float64)
    ys, xs = np.nonzero(spread)
    assert np.average(ys, weights=spread[ys, xs]) == pytest.approx(30, abs=0.05)
    assert np.average(xs, weights=spread[ys, xs]) == pytest.approx(40, abs=0.05)
    bottom = np.zeros((64, 80, 3), np.uint8)
    bottom[56:] = 255
    assert not make_sample.disk_blur(bottom, 5.0)[:40].any(), 'light from the bottom edge reached the top'


def test_disk_blur_matches_a_direct_convolution():
    image = structured_photo(40, 50)
    radius = 3.0
    kernel = make_sample.disk_kernel(radius)
    pad = kernel.shape[0] // 2
    padded = np.pad(image.astype(np.float64), ((pad, pad), (pad, pad), (0, 0)), mode='reflect')
    blurred = make_sample.disk_blur(image, radius)
    for row, col in ((0, 0), (20, 33), (39, 49)):
        window = padded[row:row + 2 * pad + 1, col:col + 2 * pad + 1, 1]
        assert abs(int(blurred[row, col, 1]) - (window * kernel[::-1, ::-1]).sum()) <= 0.51


def test_render_keeps_sharp_pixels_and_blurs_each_layer_at_its_radius():
    sharp = structured_photo()
    layers = (BlurLayer(Above(((0.0, 0.5), (1.0, 0.5))), 3.0), BlurLayer(Above(((0.0, 0.2), (1.0, 0.2))), 9.0))
    photo, mask = make_sample.render(sharp, layers)
    blurred = mask == 255
    assert set(np.unique(mask).tolist()) == {0, 255}
    assert np.array_equal(photo[~blurred], sharp[~blurred]), 'a pixel the mask calls sharp was changed'
    assert blurred[:100].all() and not blurred[140:].any()
    # Far from the fade between the two layers, each is its own disk blur.
    assert np.array_equal(photo[:20], make_sample.disk_blur(sharp, 9.0)[:20])
    assert np.array_equal(photo[90:120], make_sample.disk_blur(sharp, 3.0)[90:120])
    again, again_mask = make_sample.render(sharp, layers)
    assert np.array_equal(photo, again) and np.array_equal(mask, again_mask)


def test_render_without_layers_leaves_the_photo_sharp():
    sharp = structured_photo()
    photo, mask = make_sample.render(sharp, ())
    assert np.array_equal(photo, sharp) and not mask.any()


def fake_source(root: Path, sharp: np.ndarray) -> Source:
    relative = 'usr/lib/python3/dist-packages/skimage/data/test-pattern.png'
    path = root / relative
    path.parent.mkdir(parents=True)
    Image.fromarray(sharp).save(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Source('python3-skimage', '0.19.3-8', '/' + relative, digest, 'test', 'CC0-1.0')


def test_build_writes_the_library_and_twice_gives_identical_bytes(tmp_path):
    source = fake_source(tmp_path / 'sources', structured_photo())
    photos = (
        SamplePhoto('subject', 'train', 'a sharp ellipse', source, 320,
                    (BlurLayer(Outside((Ellipse(0.5, 0.5, 0.25, 0.3),)), 4.0),)),
        SamplePhoto('bands', 'train', 'two radii', source, 360,
                    (BlurLayer(Above(((0.0, 0.6), (1.0, 0.5))), 3.0), BlurLayer(Above(((0.0, 0.2), (1.0, 0.3))), 8.0))),
        SamplePhoto('sharp', 'test', 'nothing blurred', source, 200),
    )
    first = make_sample.build(tmp_path / 'sources', tmp_path / 'one', photos)
    make_sample.build(tmp_path / 'sources', tmp_path / 'two', photos)
    files = sorted(path.relative_to(tmp_path / 'one') for path in (tmp_path / 'one').rglob('*') if path.is_file())
    assert [str(path) for path in files] == [
        'SOURCES.md', 'gt/bands.png', 'gt/sharp.png', 'gt/subject.png',
        'images/bands.jpg', 'images/sharp.jpg', 'images/subject.jpg',
        'manifest.json', 'test.txt', 'train.txt',
    ]
    for path in files:
        assert (tmp_path / 'one' / path).read_bytes() == (tmp_path / 'two' / path).read_bytes(), path
    assert first['counts'] == {'photos': 3, 'masks': 3, 'train': 2, 'test': 1, 'allSharp': 1}
    with Image.open(tmp_path / 'one' / 'images' / 'subject.jpg') as photo, \
            Image.open(tmp_path / 'one' / 'gt' / 'subject.png') as mask:
        # Downscaled to the requested longer side, mask at the same size.
        assert photo.size == mask.size == (320, 213)
    with Image.open(tmp_path / 'one' / 'images' / 'bands.jpg') as photo:
        assert photo.size == (360, 240), 'a source already small enough is not rescaled'


def test_build_removes_photos_no_longer_in_the_table(tmp_path):
    source = fake_source(tmp_path / 'sources', structured_photo())
    out = tmp_path / 'out'
    (out / 'images').mkdir(parents=True)
    (out / 'gt').mkdir()
    (out / 'images' / 'old.jpg').write_bytes(b'x')
    (out / 'gt' / 'old.png').write_bytes(b'x')
    make_sample.build(tmp_path / 'sources', out, (SamplePhoto('new', 'train', 'sharp', source, 360),))
    assert sorted(path.name for path in (out / 'images').iterdir()) == ['new.jpg']
    assert sorted(path.name for path in (out / 'gt').iterdir()) == ['new.png']


def test_build_refuses_a_source_that_differs(tmp_path):
    source = fake_source(tmp_path / 'sources', structured_photo())
    changed = Source(source.package, source.version, source.path, '0' * 64, source.author, source.licence)
    with pytest.raises(SystemExit, match='differs'):
        make_sample.build(tmp_path / 'sources', tmp_path / 'out', (SamplePhoto('x', 'train', 'sharp', changed, 360),))
    with pytest.raises(SystemExit, match='missing'):
        make_sample.build(tmp_path / 'elsewhere', tmp_path / 'out', (SamplePhoto('x', 'train', 'sharp', source, 360),))
