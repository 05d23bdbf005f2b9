/**
 * `defusion evaluate --pred DIR --gt DIR`: the DBD metrics of docs/DESIGN.md (MAE, mean F at
 * 0.5, max F, adaptive F with beta^2 = 0.3, IoU at 0.5, AUC) per image and overall, and
 * with --plots the PR, F-measure and ROC curves as PNG and SVG.
 *
 * Exit codes: 0 every matched pair evaluated, 1 some pairs could not be read (listed),
 * 2 usage error or nothing to evaluate.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '../../api/errors';
import { evaluateFolders } from '../../core/evaluate/evaluateFolders';
import type { FolderEvaluation } from '../../core/evaluate/evaluateFolders';
import { renderPlots } from '../../core/evaluate/plots';
import { UsageError, parseCommandArgs, reportUsageError } from '../args';
import { EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, defaultStreams } from '../command';
import type { CommandStreams } from '../command';

export const summary = 'score probability maps against ground-truth masks (MAE, F-measures, IoU, AUC)';

export const usage = `Usage: defusion evaluate --pred DIR --gt DIR [--json] [--plots DIR]

Matches pred/NAME.png with gt/NAME.png (255 = blurred in both) and prints per image and
overall: MAE, mean F at 0.5, max F over 256 thresholds, adaptive F at twice the mean
(all F with beta^2 = 0.3), IoU at 0.5 and AUC of the ROC.

Options:
  --pred DIR     folder of probability maps (as written by defusion detect)
  --gt DIR       folder of ground-truth masks
  --plots DIR    write pr, f-measure and roc curves there as .png and .svg
  --json         print one JSON document on stdout
  -h, --help     show this help

Exit status: 0 all matched pairs evaluated, 1 some could not be read, 2 usage error.`;

const cell = (value: number | null, width = 8): string => (value === null ? 'n/a' : value.toFixed(4)).padStart(width);

/** The per-image and overall table, for people. */
export function formatTable(evaluation: FolderEvaluation): string {
  const nameWidth = Math.min(40, Math.max(7, ...evaluation.images.map((image) => image.name.length)));
  const header = `${'image'.padEnd(nameWidth)} ${['MAE', 'meanF', 'maxF', 'adaptF', 'IoU', 'AUC'].map((h) => h.padStart(8)).join(' ')}`;
  const rows = evaluation.images.map((image) =>
    `${image.name.slice(0, nameWidth).padEnd(nameWidth)} ${[image.mae, image.meanF, image.maxF, image.adaptiveF, image.iou, image.auc].map((v) => cell(v)).join(' ')}${image.resized ? '  (resized)' : ''}`,
  );
  const s = evaluation.summary;
  const overall = `${'overall'.padEnd(nameWidth)} ${[s.mae, s.meanF, s.maxF, s.adaptiveF, s.iou, s.auc].map((v) => cell(v)).join(' ')}`;
  const rule = '-'.repeat(header.length);
  const notes = [
    `${s.images} image(s). F-measures use beta^2 = 0.3: meanF at threshold 0.5, maxF = best threshold (${s.maxFThreshold.toFixed(3)}) of the image-averaged F curve,`,
    'adaptF at twice the mean probability. Per-image maxF is that image\'s own best. IoU at 0.5. AUC over ' +
      `${s.aucImages} image(s) whose ground truth has both blurred and sharp pixels.`,
  ];
  return [header, rule, ...rows, rule, overall, '', ...notes].join('\n');
}

export async function run(argv: string[], streams: CommandStreams = defaultStreams()): Promise<number> {
  let values: { pred: string; gt: string; plots: string | undefined; json: boolean };
  try {
    const parsed = parseCommandArgs(argv, {
      pred: { type: 'string' },
      gt: { type: 'string' },
      plots: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    });
    if (parsed.values.help) {
      streams.stdout.write(`${usage}\n`);
      return EXIT_OK;
    }
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument '${parsed.positionals[0]}'`);
    if (!parsed.values.pred || !parsed.values.gt) throw new UsageError('--pred DIR and --gt DIR are both required');
    values = { pred: parsed.values.pred, gt: parsed.values.gt, plots: parsed.values.plots, json: parsed.values.json };
  } catch (error) {
    if (error instanceof UsageError) return reportUsageError('evaluate', usage, error.message, streams);
    throw error;
  }

  let evaluation: FolderEvaluation;
  try {
    evaluation = await evaluateFolders(path.resolve(values.pred), path.resolve(values.gt), (done, total) => {
      if (done === total || done % 25 === 0) streams.stderr.write(`[${done}/${total}] evaluated\n`);
    });
  } catch (error) {
    if (error instanceof StudioError) {
      streams.stderr.write(`defusion evaluate: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }

  const plotFiles: string[] = [];
  if (values.plots) {
    const dir = path.resolve(values.plots);
    await mkdir(dir, { recursive: true });
    for (const plot of await renderPlots(evaluation.curves, evaluation.summary)) {
      const svg = path.join(dir, `${plot.name}.svg`);
      const png = path.join(dir, `${plot.name}.png`);
      await writeFile(svg, plot.svg);
      await writeFile(png, plot.png);
      plotFiles.push(png, svg);
    }
  }

  if (values.json) {
    streams.stdout.write(`${JSON.stringify({
      pred: path.resolve(values.pred),
      gt: path.resolve(values.gt),
      beta2: 0.3,
      summary: evaluation.summary,
      images: evaluation.images,
      curves: evaluation.curves,
      missingPredictions: evaluation.missingPredictions,
      unmatchedPredictions: evaluation.unmatchedPredictions,
      failed: evaluation.failed,
      plots: plotFiles,
    }, null, 2)}\n`);
  } else {
    streams.stdout.write(`${formatTable(evaluation)}\n`);
    if (plotFiles.length > 0) streams.stdout.write(`Plots: ${plotFiles.join(', ')}\n`);
  }
  if (evaluation.missingPredictions.length > 0) {
    streams.stderr.write(`No prediction for ${evaluation.missingPredictions.length} ground truth(s): ${evaluation.missingPredictions.slice(0, 10).join(', ')}${evaluation.missingPredictions.length > 10 ? ', …' : ''}\n`);
  }
  if (evaluation.unmatchedPredictions.length > 0) {
    streams.stderr.write(`No ground truth for ${evaluation.unmatchedPredictions.length} prediction(s): ${evaluation.unmatchedPredictions.slice(0, 10).join(', ')}${evaluation.unmatchedPredictions.length > 10 ? ', …' : ''}\n`);
  }
  if (evaluation.failed.length > 0) {
    streams.stderr.write(`Failed (${evaluation.failed.length}):\n${evaluation.failed.map((f) => `  ${f.name}: ${f.reason}\n`).join('')}`);
    return EXIT_SOME_FAILED;
  }
  return EXIT_OK;
}
