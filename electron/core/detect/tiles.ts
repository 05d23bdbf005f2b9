/**
 * Tiled detection for big photos. The whole photo squeezed to 320 x 320 loses the fine
 * boundaries between sharp and blurred regions; instead the photo is resized so that its
 * long side is a few tiles long, covered by overlapping model-sized tiles, and the tile
 * predictions are blended with a smooth window so that no seam shows where tiles meet.
 */

export interface TileOptions {
  /** Long side of the working image in pixels (default: 3 tiles). */
  resolution?: number;
  /** Fraction of a tile shared with its neighbour (default 0.25). */
  overlap?: number;
}

export interface TileLayout {
  /** Working image size, each side at least one tile. */
  width: number;
  height: number;
  tile: number;
  /** Top-left corners; tiles cover the working image and stay inside it. */
  origins: { x: number; y: number }[];
}

export const DEFAULT_TILE_OVERLAP = 0.25;
export const DEFAULT_TILES_PER_SIDE = 3;

/** Starts of tiles of `tile` pixels covering [0, length) with at least `overlap` shared. */
function axisOrigins(length: number, tile: number, overlap: number): number[] {
  if (length <= tile) return [0];
  const stride = Math.max(1, Math.floor(tile * (1 - overlap)));
  const count = Math.ceil((length - tile) / stride) + 1;
  // Spread the tiles evenly so the last one ends exactly at the edge.
  const step = (length - tile) / (count - 1);
  return Array.from({ length: count }, (_, i) => Math.round(i * step));
}

/**
 * Working size and tile positions for a photo of photoWidth x photoHeight. The working
 * image is never larger than the photo itself (upsampling adds no detail) and never
 * smaller than one tile.
 */
export function tileLayout(photoWidth: number, photoHeight: number, tile: number, options: TileOptions = {}): TileLayout {
  const overlap = Math.min(0.9, Math.max(0, options.overlap ?? DEFAULT_TILE_OVERLAP));
  const resolution = Math.max(tile, Math.round(options.resolution ?? tile * DEFAULT_TILES_PER_SIDE));
  const longSide = Math.max(photoWidth, photoHeight);
  const scale = Math.min(resolution, Math.max(longSide, tile)) / longSide;
  const width = Math.max(tile, Math.round(photoWidth * scale));
  const height = Math.max(tile, Math.round(photoHeight * scale));
  const xs = axisOrigins(width, tile, overlap);
  const ys = axisOrigins(height, tile, overlap);
  const origins = ys.flatMap((y) => xs.map((x) => ({ x, y })));
  return { width, height, tile, origins };
}

/**
 * Blending weights of one tile: a separable raised cosine, highest in the middle where
 * the network sees the most context, small but never zero at the border so that a pixel
 * covered by one tile only (the photo's own edges) keeps its prediction.
 */
export function blendWindow(tile: number): Float32Array {
  const floor = 1e-3;
  const axis = new Float32Array(tile);
  for (let i = 0; i < tile; i++) {
    axis[i] = Math.max(floor, Math.sin((Math.PI * (i + 0.5)) / tile) ** 2);
  }
  const window = new Float32Array(tile * tile);
  for (let y = 0; y < tile; y++) {
    for (let x = 0; x < tile; x++) {
      window[y * tile + x] = axis[y]! * axis[x]!;
    }
  }
  return window;
}

/** Accumulates weighted tile predictions into one map of the working size. */
export class TileBlender {
  readonly #sum: Float32Array;
  readonly #weight: Float32Array;
  readonly #window: Float32Array;

  constructor(readonly layout: TileLayout) {
    this.#sum = new Float32Array(layout.width * layout.height);
    this.#weight = new Float32Array(layout.width * layout.height);
    this.#window = blendWindow(layout.tile);
  }

  /** Adds one tile's probabilities (tile x tile, row-major, from `offset`) at (x, y). */
  add(probabilities: Float32Array, offset: number, x: number, y: number): void {
    const { tile, width } = this.layout;
    for (let row = 0; row < tile; row++) {
      const target = (y + row) * width + x;
      const source = row * tile;
      for (let col = 0; col < tile; col++) {
        const weight = this.#window[source + col]!;
        this.#sum[target + col]! += probabilities[offset + source + col]! * weight;
        this.#weight[target + col]! += weight;
      }
    }
  }

  /** The blended map, width x height of the working image. */
  result(): Float32Array {
    const out = new Float32Array(this.#sum.length);
    for (let i = 0; i < out.length; i++) {
      const weight = this.#weight[i]!;
      out[i] = weight > 0 ? this.#sum[i]! / weight : 0;
    }
    return out;
  }
}
