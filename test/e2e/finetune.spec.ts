/**
 * Fine-tuning from the studio in browser mode (issue 8's acceptance): the sample library's
 * masks arrive as dataset 'sample' (reviewed, split 8 train / 4 test); detection and the
 * fine-tune start from the tiny fixture model, whose PyTorch checkpoint lies next to its
 * ONNX file. The fine-tune view shows the Python with torch, a short CPU run is started
 * from the form, its progress (phase, steps, loss) is seen live, and at the end the old /
 * new comparison and the registry entry with its lineage appear; making the new model
 * active is reflected in the registry and the API. A second run is cancelled while it
 * trains and leaves the registry as it was; a studio whose Python has no torch says how
 * to install it and does not offer to start.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { callApi, testPageUrl } from './studioApi';
import { collectPageErrors } from './pageErrors';
import { startStudioServer, stopAndRemove } from './studioServer';
import type { StudioServer } from './studioServer';

const here = path.dirname(fileURLToPath(import.meta.url));
const screenshots = path.resolve(here, '../../test-results/e2e');
const TINY_MODEL = path.resolve(here, '../fixtures/models/tiny-defusionnet.onnx');
const STEPS = 4;

let workDir: string;
let server: StudioServer;

test.beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'studio-finetune-'));
  // No --library and no --no-sample: the studio opens the bundled sample library.
  server = await startStudioServer(['--db', path.join(workDir, 'studio.db'), '--model', TINY_MODEL]);
});

test.afterAll(() => stopAndRemove(server, workDir));

/** Accepts the next dialog, the question about a checkpoint the studio did not make; resolves with its text. */
function acceptCheckpointQuestion(page: Page): Promise<string> {
  return new Promise((resolve) => {
    page.once('dialog', (dialog) => {
      resolve(dialog.message());
      void dialog.accept();
    });
  });
}

test('starts a fine-tune from the UI, shows its progress and registers the new model with its lineage', async ({ page }) => {
  // A real trainer on two shared cores: the run itself takes a minute or two.
  test.setTimeout(600_000);
  const pageErrors = collectPageErrors(page);

  await page.goto(testPageUrl(server.url));
  await expect(page.getByTestId('result-count')).toHaveText('12 photos', { timeout: 90_000 });
  // The grid can show the photos before the sample's masks are all imported on a busy machine.
  const sampleDataset = async () => (await callApi(server.url, 'datasets.list', {})).find((dataset) => dataset.name === 'sample');
  await expect.poll(async () => (await sampleDataset())?.counts.reviewed, { timeout: 90_000 }).toBe(12);
  const sample = await sampleDataset();
  expect(sample).toMatchObject({ itemCount: 12, splits: { train: 8, test: 4 } });

  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Fine-tune' }).click();
  const form = page.getByRole('form', { name: 'Start a fine-tune' });
  await expect(form).toBeVisible();
  // The Python that imports torch (probing it can take a while on a busy machine).
  await expect(page.getByTestId('torch-version')).toHaveText(/^\d+\.\d+/, { timeout: 120_000 });
  await expect(page.getByTestId('parent-model')).toHaveText('defusionnet-tiny-fixture 0.0.1');
  await expect(form.getByRole('combobox', { name: 'Dataset to learn from' })).toHaveValue(String(sample!.id));

  await form.getByRole('spinbutton', { name: 'Steps' }).fill(String(STEPS));
  await form.getByRole('combobox', { name: 'Training device' }).selectOption('cpu');
  await form.getByText('Training settings').click();
  await form.getByRole('spinbutton', { name: 'Batch size' }).fill('2');
  await form.getByRole('spinbutton', { name: 'Crop' }).fill('64');
  await form.getByRole('spinbutton', { name: 'Max photo side' }).fill('256');
  await form.getByRole('spinbutton', { name: 'CPU threads' }).fill('1');
  await page.screenshot({ path: path.join(screenshots, 'finetune-01-form.png') });

  // Every phase the run panel shows, as it shows it (a short run passes some quickly).
  await page.evaluate(() => {
    const scope = globalThis as unknown as {
      __phases: string[];
      document: { body: unknown; querySelector(selector: string): { getAttribute(name: string): string | null } | null };
      MutationObserver: new (callback: () => void) => { observe(target: unknown, options: Record<string, unknown>): void };
    };
    scope.__phases = [];
    const note = (): void => {
      const phase = scope.document.querySelector('[data-testid="finetune-run"]')?.getAttribute('data-phase');
      if (phase && scope.__phases[scope.__phases.length - 1] !== phase) scope.__phases.push(phase);
    };
    new scope.MutationObserver(note).observe(scope.document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-phase'] });
  });
  // The fixture's checkpoint is not one the studio made or ships: the user is asked first.
  const asked = acceptCheckpointQuestion(page);
  await form.getByRole('button', { name: 'Start fine-tune' }).click();
  expect(await asked).toMatch(/tiny-defusionnet\.pt was neither shipped with the studio nor made by it\. Loading a PyTorch checkpoint can run code/);

  // Live progress: the run panel, its phase, steps and loss.
  const run = page.getByTestId('finetune-run');
  await expect(run).toBeVisible({ timeout: 120_000 });
  await expect(run.getByTestId('finetune-phase')).toHaveText(/Preparing|Training|Exporting|Measuring|Registering|Done/);
  await expect(run.getByTestId('finetune-step')).toHaveText(new RegExp(`^\\d+ / ${STEPS}$`), { timeout: 240_000 });
  await expect(run.getByTestId('finetune-loss')).toHaveText(/^\d+\.\d{4}$/, { timeout: 240_000 });
  await expect(run.getByTestId('loss-curve').locator('path.line')).toHaveCount(1);
  await page.screenshot({ path: path.join(screenshots, 'finetune-02-progress.png') });

  await expect(run).toHaveAttribute('data-phase', 'done', { timeout: 480_000 });
  await expect(run.getByTestId('finetune-step')).toHaveText(`${STEPS} / ${STEPS}`);
  const phases = await page.evaluate(() => (globalThis as unknown as { __phases: string[] }).__phases);
  expect(phases[0], `phases shown: ${phases.join(' → ')}`).toMatch(/^(preparing|training)$/);
  expect(phases).toContain('training');
  expect(phases).toContain('evaluating');
  expect(phases[phases.length - 1]).toBe('done');

  // The registry: the parent and, under it, the new model learned from 'sample'.
  const models = await callApi(server.url, 'models.list', {});
  expect(models).toHaveLength(2);
  const parent = models.find((model) => model.parentId === null)!;
  const candidate = models.find((model) => model.parentId !== null)!;
  expect(parent).toMatchObject({ name: 'defusionnet-tiny-fixture' });
  expect(candidate).toMatchObject({ parentId: parent.id, datasetId: sample!.id, active: false });
  expect(candidate.metadata).toMatchObject({ finetune_steps: String(STEPS), finetune_dataset: 'sample', finetune_split: 'train', finetune_device: 'cpu' });
  expect(candidate.metrics).toMatchObject({ images: 4 });

  const registry = page.getByTestId('model-registry');
  await expect(registry.locator('tbody tr')).toHaveCount(2);
  const candidateRow = registry.locator(`tr[data-model-id="${candidate.id}"]`);
  await expect(candidateRow).toContainText(candidate.version);
  await expect(candidateRow).toContainText('sample');
  await expect(candidateRow.locator('.branch')).toHaveCount(1);
  await expect(candidateRow.locator('td').nth(2)).toHaveText((candidate.metrics!.mae as number).toFixed(3));

  // Old and new side by side, with the curves, from finetune.results.
  const comparison = page.getByTestId('finetune-comparison');
  await expect(comparison).toBeVisible();
  const results = await callApi(server.url, 'finetune.results', { modelId: candidate.id });
  for (const metric of ['mae', 'meanF', 'maxF', 'adaptiveF', 'iou'] as const) {
    const row = comparison.locator(`tr[data-metric="${metric}"]`);
    await expect(row.locator('td').nth(1)).toHaveText(results.parentEvaluation!.metrics[metric].toFixed(4));
    await expect(row.locator('td').nth(2)).toHaveText(results.candidateEvaluation!.metrics[metric].toFixed(4));
  }
  await expect(comparison.locator('tr[data-metric="meanF"]')).toContainText('Mean F at 0.5');
  await expect(comparison.getByTestId('pr-curve').locator('path.line')).toHaveCount(2);
  await comparison.getByTestId('pr-curve').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(screenshots, 'finetune-03-done.png') });

  // Make it active: the registry and the API agree.
  await comparison.getByRole('button', { name: 'Make active' }).click();
  await expect(candidateRow).toHaveAttribute('data-active', 'true');
  await expect(comparison.getByText('Active', { exact: true })).toBeVisible();
  expect((await callApi(server.url, 'models.list', {})).find((model) => model.active)?.id).toBe(candidate.id);
  await registry.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(screenshots, 'finetune-04-active.png') });
  expect(pageErrors, 'no errors in the page console').toEqual([]);
});

test('a run cancelled while it trains registers nothing', async ({ page }) => {
  test.setTimeout(300_000);
  const before = await callApi(server.url, 'models.list', {});
  await page.goto(testPageUrl(server.url));
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Fine-tune' }).click();
  const form = page.getByRole('form', { name: 'Start a fine-tune' });
  await expect(page.getByTestId('torch-version')).toHaveText(/^\d+\.\d+/, { timeout: 120_000 });
  await form.getByRole('spinbutton', { name: 'Steps' }).fill('100000');
  await form.getByRole('combobox', { name: 'Training device' }).selectOption('cpu');
  await form.getByText('Training settings').click();
  await form.getByRole('spinbutton', { name: 'Batch size' }).fill('2');
  await form.getByRole('spinbutton', { name: 'Crop' }).fill('64');
  await form.getByRole('spinbutton', { name: 'Max photo side' }).fill('256');
  await form.getByRole('spinbutton', { name: 'CPU threads' }).fill('1');
  // The parent is now the model the first test made: a checkpoint of the studio's own
  // runs, which loads without a question.
  const questions: string[] = [];
  page.on('dialog', (dialog) => {
    questions.push(dialog.message());
    void dialog.dismiss();
  });
  await form.getByRole('button', { name: 'Start fine-tune' }).click();

  const run = page.getByTestId('finetune-run');
  await expect(run).toHaveAttribute('data-phase', 'training', { timeout: 120_000 });
  await expect(run.getByTestId('finetune-step')).toHaveText(/^[1-9]\d* \/ 100000$/, { timeout: 120_000 });
  await run.getByRole('button', { name: 'Cancel' }).click();
  await expect(run).toHaveAttribute('data-phase', 'cancelled', { timeout: 60_000 });
  await expect(run).toContainText('Cancelled: nothing was registered and the active model is unchanged.');
  await expect(form.getByRole('button', { name: 'Start fine-tune' })).toBeEnabled();
  expect(await callApi(server.url, 'models.list', {})).toEqual(before);
  expect(questions).toEqual([]);
});

test('without a Python that imports torch, the form says how to install it and does not start', async ({ page }) => {
  // A studio whose Python setting names an interpreter that does not exist (the only one tried).
  const saved = process.env.DEFUSION_PYTHON;
  process.env.DEFUSION_PYTHON = path.join(workDir, 'no-such-python', 'python3');
  let bare: StudioServer;
  try {
    bare = await startStudioServer(['--db', path.join(workDir, 'bare.db'), '--model', TINY_MODEL, '--no-sample']);
  } finally {
    if (saved === undefined) delete process.env.DEFUSION_PYTHON;
    else process.env.DEFUSION_PYTHON = saved;
  }
  try {
    // A dataset to pick, so that only the missing Python keeps the button off.
    await callApi(bare.url, 'datasets.create', { name: 'my-photos' });
    await page.goto(testPageUrl(bare.url));
    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Fine-tune' }).click();
    await expect(page.getByRole('combobox', { name: 'Dataset to learn from' })).toHaveValue(/^\d+$/);
    const python = page.getByTestId('python-check');
    await expect(python.getByRole('alert')).toContainText('no-such-python', { timeout: 60_000 });
    await expect(python.getByRole('alert')).toContainText('apt-get install python3-torch');
    await expect(python.getByRole('alert')).toContainText('pip install torch');
    await expect(page.getByRole('button', { name: 'Start fine-tune' })).toBeDisabled();
    await page.screenshot({ path: path.join(screenshots, 'finetune-05-no-python.png') });
  } finally {
    expect(await bare.stop()).toBe(0);
  }
});
