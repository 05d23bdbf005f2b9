/**
 * Recognises the folder layouts annotated defocus-blur datasets come in:
 *
 * - CTCUG (and this studio's exports): `images/` + `gt/`, optional `train.txt`,
 *   `test.txt` and `manifest.json`;
 * - CUHK (Shi et al. 2014) as distributed: `image/` + `gt/` (upper-case `.JPG` often);
 *   copies split into `train/` and `test/` folders, each with its own pair;
 * - DUT-DBD (Zhao et al. 2018) and its copies: one pair per split named with a prefix,
 *   `train_image/` + `train_gt/`, `test_image/` + `test_gt/`, `dut500-source/` +
 *   `dut500-gt/`;
 * - COCO (this studio's COCO export): `annotations.json` + `images/`.
 *
 * Folder names are matched case-insensitively. A pair's split comes from train.txt /
 * test.txt, else the manifest, else a 'train' / 'test' in its folder names.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ImportLayout, ItemStatus, MaskPolarity, Split } from '../../api/types';
import { ITEM_STATUSES } from '../../api/types';
import { stemOf } from '../library/ctcugImport';

/** One folder of photos and, except for COCO, the folder of their masks. */
export interface LayoutPart {
  imagesDir: string;
  /** Null for COCO, whose masks are in the annotations file. */
  gtDir: string | null;
  /** Split of this pair's photos when its folder names say so. */
  split: Split | null;
}

/** What this studio's manifest.json says about one item. */
export interface ManifestItemInfo {
  split: Split | null;
  status: ItemStatus | null;
  comment: string | null;
  author: string | null;
}

/** The parts of a manifest.json the importer uses (this studio's, or the sample's). */
export interface LayoutManifest {
  polarity: MaskPolarity | null;
  /** One status for every mask (`annotation.status`). */
  status: ItemStatus | null;
  items: Map<string, ManifestItemInfo>;
}

export interface DatasetLayout {
  kind: ImportLayout;
  folder: string;
  parts: LayoutPart[];
  /** Split per stem from train.txt / test.txt. */
  splits: Map<string, Split>;
  manifest: LayoutManifest | null;
  /** The COCO annotations file, for kind 'coco'. */
  annotationsPath: string | null;
}

const IMAGE_WORDS = ['images', 'image', 'imgs', 'img', 'source', 'sources', 'input', 'inputs'];
const GT_WORDS = ['gt', 'gts', 'groundtruth', 'ground_truth', 'ground-truth', 'masks', 'mask', 'labels', 'label'];

/** Splits a folder name into (prefix, role): 'train_image' → ('train', 'images'). */
function folderRole(name: string): { prefix: string; role: 'images' | 'gt'; word: string } | null {
  const lower = name.toLowerCase();
  for (const [role, words] of [['images', IMAGE_WORDS], ['gt', GT_WORDS]] as const) {
    for (const word of words) {
      if (lower === word) return { prefix: '', role, word };
      for (const separator of ['_', '-', ' ', '.']) {
        if (lower.endsWith(`${separator}${word}`)) return { prefix: lower.slice(0, -(word.length + 1)), role, word };
      }
    }
  }
  return null;
}

function splitFromName(name: string): Split | null {
  const lower = name.toLowerCase();
  if (/(^|[^a-z])train(ing)?([^a-z]|$)/.test(lower)) return 'train';
  if (/(^|[^a-z])test(ing)?([^a-z]|$)/.test(lower)) return 'test';
  return null;
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function subfolders(folder: string): Promise<string[]> {
  try {
    const entries = await readdir(folder, { withFileTypes: true });
    const names: string[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory() || (entry.isSymbolicLink() && (await isFolder(join(folder, entry.name))))) names.push(entry.name);
    }
    return names.sort();
  } catch {
    return [];
  }
}

/** Image/gt folder pairs directly inside `folder`, matched by prefix. */
async function pairsIn(folder: string): Promise<{ prefix: string; imagesDir: string; gtDir: string; imageWord: string }[]> {
  const images = new Map<string, { name: string; word: string }>();
  const gts = new Map<string, string>();
  for (const name of await subfolders(folder)) {
    const role = folderRole(name);
    if (!role) continue;
    const target = role.role === 'images' ? images : gts;
    // The first name in sorted order wins when two folders play the same part.
    if (!target.has(role.prefix)) {
      if (role.role === 'images') images.set(role.prefix, { name, word: role.word });
      else gts.set(role.prefix, name);
    }
  }
  const pairs: { prefix: string; imagesDir: string; gtDir: string; imageWord: string }[] = [];
  for (const [prefix, image] of [...images].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const gt = gts.get(prefix);
    if (gt !== undefined) pairs.push({ prefix, imagesDir: join(folder, image.name), gtDir: join(folder, gt), imageWord: image.word });
  }
  return pairs;
}

/** A stem from a line of train.txt / test.txt: 'images/a.jpg' and 'a.jpg' both give 'a'. */
function listedStem(line: string): string {
  const trimmed = line.trim().replace(/\\/g, '/');
  const withoutFolder = trimmed.replace(/^(images?|imgs?|gt)\//i, '');
  return stemOf(withoutFolder);
}

async function readSplitLists(folder: string): Promise<Map<string, Split>> {
  const splits = new Map<string, Split>();
  for (const split of ['train', 'test'] as const) {
    let text: string;
    try {
      text = await readFile(join(folder, `${split}.txt`), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split(/\r?\n/)) {
      const stem = listedStem(line);
      if (stem !== '') splits.set(stem, split);
    }
  }
  return splits;
}

function isStatus(value: unknown): value is ItemStatus {
  return typeof value === 'string' && (ITEM_STATUSES as readonly string[]).includes(value);
}

async function readManifest(folder: string): Promise<{ manifest: LayoutManifest; layout: string | null } | null> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8'));
  } catch {
    return null;
  }
  if (raw === null || typeof raw !== 'object') return null;
  const record = raw as { polarity?: unknown; layout?: unknown; annotation?: { status?: unknown }; items?: unknown; photos?: unknown };
  const items = new Map<string, ManifestItemInfo>();
  const list = Array.isArray(record.items) ? record.items : Array.isArray(record.photos) ? record.photos : [];
  for (const entry of list as Record<string, unknown>[]) {
    if (entry === null || typeof entry !== 'object' || typeof entry.stem !== 'string') continue;
    items.set(entry.stem, {
      split: entry.split === 'train' || entry.split === 'test' ? entry.split : null,
      status: isStatus(entry.status) ? entry.status : null,
      comment: typeof entry.comment === 'string' ? entry.comment : null,
      author: typeof entry.author === 'string' ? entry.author : null,
    });
  }
  return {
    layout: typeof record.layout === 'string' ? record.layout : null,
    manifest: {
      polarity: record.polarity === 'blur-white' || record.polarity === 'blur-black' ? record.polarity : null,
      status: isStatus(record.annotation?.status) ? record.annotation.status : null,
      items,
    },
  };
}

/** The dataset layout of `folder`, or null when it holds no annotated photos. */
export async function detectDatasetLayout(folder: string): Promise<DatasetLayout | null> {
  const splits = await readSplitLists(folder);
  const manifestFile = await readManifest(folder);
  const manifest = manifestFile?.manifest ?? null;
  const ownSplit = splitFromName(basename(folder));

  const annotationsPath = join(folder, 'annotations.json');
  if ((await isFile(annotationsPath)) && (await isFolder(join(folder, 'images')))) {
    return { kind: 'coco', folder, parts: [{ imagesDir: join(folder, 'images'), gtDir: null, split: ownSplit }], splits, manifest, annotationsPath };
  }

  const pairs = await pairsIn(folder);
  if (pairs.length > 0) {
    const prefixed = pairs.some((pair) => pair.prefix !== '');
    const kind: ImportLayout = prefixed ? 'dut-dbd' : manifestFile?.layout === 'ctcug' || pairs[0]!.imageWord === 'images' ? 'ctcug' : 'cuhk';
    const parts = pairs.map((pair) => ({ imagesDir: pair.imagesDir, gtDir: pair.gtDir, split: splitFromName(pair.prefix) ?? ownSplit }));
    return { kind, folder, parts, splits, manifest, annotationsPath: null };
  }

  // Copies split into train/ and test/ folders, each holding one pair.
  const parts: LayoutPart[] = [];
  let innerWord = 'images';
  for (const name of await subfolders(folder)) {
    const split = splitFromName(name);
    if (split === null) continue;
    for (const pair of await pairsIn(join(folder, name))) {
      parts.push({ imagesDir: pair.imagesDir, gtDir: pair.gtDir, split });
      innerWord = pair.imageWord;
    }
  }
  if (parts.length > 0) {
    return { kind: innerWord === 'images' ? 'ctcug' : 'cuhk', folder, parts, splits, manifest, annotationsPath: null };
  }
  return null;
}

/** The usual polarity of a layout, used when measuring is inconclusive. */
export function layoutPolarity(kind: ImportLayout): MaskPolarity {
  // DUT-DBD marks the in-focus region white in most copies; the others mark blur white.
  return kind === 'dut-dbd' ? 'blur-black' : 'blur-white';
}
