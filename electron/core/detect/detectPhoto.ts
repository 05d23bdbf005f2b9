/**
 * One photo end to end: decode, resize, infer (whole or in tiles), resize back, encode.
 * Each stage is timed, so the benchmark and the job's log can say where the time goes.
 */
import { StudioError } from '../../api/errors';
import { isValidSize } from './modelContract';
import { runModel } from './engine';
import type { LoadedModel } from './engine';
import { blurFraction, encodeGrayPng, probabilityStats, resizeProbability, thresholdMask } from './postprocess';
import { cropToChw, decodePhoto, resizeRgb, rgbToChw } from './preprocess';
import type { DecodedPhoto } from './preprocess';
import { TileBlender, tileLayout } from './tiles';
import type { TileOptions } from './tiles';

export interface DetectOptions {
  /** Model input side (a multiple of 32); default: the model's own input_size. */
  size?: number;
  /** Run overlapping tiles at a higher resolution instead of the whole photo at `size`. */
  tiles?: TileOptions | boolean;
  /** Also make the binary mask at this threshold (0..1). */
  maskThreshold?: number | null;
  /** Tiles per inference call. */
  tileBatch?: number;
  maxPixels?: number;
}

/** Milliseconds spent in each stage of one photo. */
export interface StageTimings {
  decode: number;
  resize: number;
  infer: number;
  resizeBack: number;
  encode: number;
}

export interface PhotoPrediction {
  /** The photo's size after EXIF orientation; the PNGs have this size. */
  width: number;
  height: number;
  /** 8-bit grayscale PNG, 255 = surely blurred. */
  probabilityPng: Uint8Array;
  /** Binary 0/255 PNG when a mask threshold was asked for. */
  maskPng: Uint8Array | null;
  /** Share of blurred pixels in the mask; null without a mask. */
  maskBlurFraction: number | null;
  meanProbability: number;
  uncertainty: number;
  /** Model input side that was used. */
  size: number;
  tiles: number;
  timings: StageTimings;
}

const DEFAULT_TILE_BATCH = 4;

/** The input side to use: the caller's, else the model's, checked against the contract. */
export function inputSizeFor(model: LoadedModel, size?: number): number {
  const chosen = size ?? model.info.inputSize;
  if (!isValidSize(chosen)) {
    throw new StudioError('invalid-input', `The input size must be a positive multiple of 32, not ${chosen}`);
  }
  return chosen;
}

interface MapResult {
  map: Float32Array;
  width: number;
  height: number;
  tiles: number;
  resizeMs: number;
  inferMs: number;
}

async function wholeMap(model: LoadedModel, photo: DecodedPhoto, size: number): Promise<MapResult> {
  let start = performance.now();
  const rgb = await resizeRgb(photo, size, size);
  const input = rgbToChw(rgb, size, size);
  const resizeMs = performance.now() - start;
  start = performance.now();
  const map = await runModel(model.session, input, 1, size, size);
  return { map, width: size, height: size, tiles: 1, resizeMs, inferMs: performance.now() - start };
}

async function tiledMap(model: LoadedModel, photo: DecodedPhoto, size: number, tiles: TileOptions, batchSize: number): Promise<MapResult> {
  let start = performance.now();
  const layout = tileLayout(photo.width, photo.height, size, tiles);
  const rgb = await resizeRgb(photo, layout.width, layout.height);
  let resizeMs = performance.now() - start;
  let inferMs = 0;
  const blender = new TileBlender(layout);
  const plane = 3 * size * size;
  for (let first = 0; first < layout.origins.length; first += batchSize) {
    const origins = layout.origins.slice(first, first + batchSize);
    start = performance.now();
    const batch = new Float32Array(plane * origins.length);
    origins.forEach((origin, i) => cropToChw(rgb, layout.width, origin.x, origin.y, size, batch, i * plane));
    resizeMs += performance.now() - start;
    start = performance.now();
    const maps = await runModel(model.session, batch, origins.length, size, size);
    origins.forEach((origin, i) => blender.add(maps, i * size * size, origin.x, origin.y));
    inferMs += performance.now() - start;
  }
  return { map: blender.result(), width: layout.width, height: layout.height, tiles: layout.origins.length, resizeMs, inferMs };
}

/** Runs the model on an already decoded photo. */
export async function predictDecoded(model: LoadedModel, photo: DecodedPhoto, options: DetectOptions = {}, decodeMs = 0): Promise<PhotoPrediction> {
  const size = inputSizeFor(model, options.size);
  const tileOptions = options.tiles === true ? {} : options.tiles || null;
  const result = tileOptions
    ? await tiledMap(model, photo, size, tileOptions, Math.max(1, options.tileBatch ?? DEFAULT_TILE_BATCH))
    : await wholeMap(model, photo, size);
  const stats = probabilityStats(result.map);

  let start = performance.now();
  const map8 = resizeProbability(result.map, result.width, result.height, photo.width, photo.height);
  const mask = options.maskThreshold === undefined || options.maskThreshold === null ? null : thresholdMask(map8, options.maskThreshold);
  const resizeBackMs = performance.now() - start;

  start = performance.now();
  const probabilityPng = await encodeGrayPng(map8, photo.width, photo.height);
  const maskPng = mask ? await encodeGrayPng(mask, photo.width, photo.height) : null;
  const encodeMs = performance.now() - start;

  return {
    width: photo.width,
    height: photo.height,
    probabilityPng,
    maskPng,
    maskBlurFraction: mask ? blurFraction(mask) : null,
    meanProbability: stats.meanProbability,
    uncertainty: stats.uncertainty,
    size,
    tiles: result.tiles,
    timings: { decode: decodeMs, resize: result.resizeMs, infer: result.inferMs, resizeBack: resizeBackMs, encode: encodeMs },
  };
}

/** Decodes the photo file at `absPath` and runs the model on it. */
export async function detectPhoto(model: LoadedModel, absPath: string, options: DetectOptions = {}): Promise<PhotoPrediction> {
  const start = performance.now();
  const photo = await decodePhoto(absPath, options.maxPixels === undefined ? {} : { maxPixels: options.maxPixels });
  return predictDecoded(model, photo, options, performance.now() - start);
}
