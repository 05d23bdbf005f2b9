/**
 * Issue 2 acceptance, end to end in browser mode: a folder of real photos (and a few bad
 * files) is opened through the UI; the scan job runs; the grid shows every good photo,
 * the filters count right, a photo opens in the viewer, and each bad file is listed with
 * its reason while the good photos stay on screen.
 */
import { mkdtemp, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import type { Locator } from '@playwright/test';
import { makePhotoLibrary } from './photoLibrary';
import type { PhotoLibrary } from './photoLibrary';
import { collectPageErrors } from './pageErrors';
import { startStudioServer, stopAndRemove } from './studioServer';
import type { StudioServer } from './studioServer';

const screenshots = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-results/e2e');

let workDir: string;
let library: PhotoLibrary;
let server: StudioServer;

test.beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'studio-e2e-'));
  library = await makePhotoLibrary(path.join(workDir, 'Field trip'));
  await mkdir(screenshots, { recursive: true });
  server = await startStudioServer(['--db', path.join(workDir, 'studio.db'), '--no-sample']);
});

test.afterAll(() => stopAndRemove(server, workDir));

/** True once an <img> has decoded real pixels (the test config has no DOM types). */
function imageLoaded(image: Locator): Promise<boolean> {
  return image.evaluate((element) => {
    const decoded = element as unknown as { complete: boolean; naturalWidth: number };
    return decoded.complete && decoded.naturalWidth > 0;
  });
}

test('opens a folder of photos, filters it, views a photo and lists the bad files', async ({ page }) => {
  const consoleErrors = collectPageErrors(page);
  // The 4xx answers, which the console errors leave out, are checked one by one.
  const failedResponses: string[] = [];
  page.on('response', (response) => {
    if (response.status() >= 400) failedResponses.push(`${response.status()} ${new URL(response.url()).pathname}`);
  });

  await page.goto(server.url);
  // The token leaves the address bar once the page has it; test hooks stay off without ?test=1.
  await expect(page).not.toHaveURL(/token=/);
  expect(await page.evaluate(() => '__studio' in globalThis)).toBe(false);
  await expect(page.getByText('Open a folder of photos to begin')).toBeVisible();
  await page.screenshot({ path: path.join(screenshots, '01-empty.png') });

  // Open the library through the top bar.
  await page.getByRole('textbox', { name: 'Library folder path' }).fill(library.root);
  await page.getByRole('button', { name: 'Open folder' }).click();

  // The scan runs as a job and ends done.
  await expect(page.locator('[data-testid="job"][data-state="done"]')).toHaveCount(1, { timeout: 120_000 });
  await expect(page.getByTestId('result-count')).toHaveText('24 photos');
  await expect(page.getByTestId('photo-count')).toHaveText('24 photos');
  await expect(page.getByRole('button', { name: /^Library Field trip, 24 photos/ })).toBeVisible();

  // Every bad file is listed with a reason, and the good photos are all still there.
  const errors = page.getByRole('list', { name: 'File errors' }).getByTestId('file-error');
  await expect(errors).toHaveCount(library.badFiles.length);
  for (const badFile of library.badFiles) {
    const entry = errors.filter({ hasText: badFile });
    await expect(entry).toHaveCount(1);
    const reason = (await entry.locator('.reason').textContent())?.trim() ?? '';
    expect(reason.length, `a reason for ${badFile}`).toBeGreaterThan(5);
  }
  const grid = page.getByRole('listbox', { name: 'Photo grid' });
  const tiles = grid.getByRole('option');
  await expect(tiles.first()).toBeVisible();
  // Thumbnails are real images decoded by the browser.
  await expect.poll(() => imageLoaded(tiles.first().locator('img'))).toBe(true);
  await page.screenshot({ path: path.join(screenshots, '02-library.png') });

  // Only rows near the viewport exist in the DOM.
  expect(await tiles.count()).toBeLessThanOrEqual(24);

  // Filter by folder (recursive: portraits/studio is part of portraits).
  await page.getByRole('button', { name: /^Folder landscapes,/ }).click();
  await expect(page.getByTestId('result-count')).toHaveText('14 photos');
  await page.getByRole('button', { name: /^Folder portraits,/ }).click();
  await expect(page.getByTestId('result-count')).toHaveText('10 photos');
  await page.getByRole('button', { name: /^Folder portraits\/studio,/ }).click();
  await expect(page.getByTestId('result-count')).toHaveText('2 photos');
  await page.getByRole('button', { name: /^All photos/ }).click();
  await expect(page.getByTestId('result-count')).toHaveText('24 photos');

  // Filter by camera, then camera within a folder.
  const camera = page.getByRole('combobox', { name: 'Camera' });
  const canon = await camera.locator('option', { hasText: 'EOS R5' }).getAttribute('value');
  const nikon = await camera.locator('option', { hasText: 'Z 6' }).getAttribute('value');
  expect(canon).toBeTruthy();
  expect(nikon).toBeTruthy();
  await camera.selectOption(canon ?? '');
  await expect(page.getByTestId('result-count')).toHaveText('9 photos');
  await camera.selectOption(nikon ?? '');
  await expect(page.getByTestId('result-count')).toHaveText('6 photos');
  await page.getByRole('button', { name: /^Folder landscapes,/ }).click();
  await expect(page.getByTestId('result-count')).toHaveText('4 photos');
  await expect(page.getByTestId('photo-count')).toHaveText('4 photos of 24 photos');
  await page.screenshot({ path: path.join(screenshots, '03-filtered.png') });
  await page.getByRole('button', { name: 'Clear filters' }).first().click();
  await expect(page.getByTestId('result-count')).toHaveText('24 photos');

  // Aperture range: the Nikon photos were shot at f/8.
  await page.getByRole('spinbutton', { name: 'Minimum f-number' }).fill('5');
  await page.getByRole('spinbutton', { name: 'Minimum f-number' }).press('Enter');
  await expect(page.getByTestId('result-count')).toHaveText('6 photos');
  await page.getByRole('button', { name: 'Clear filters' }).first().click();
  await expect(page.getByTestId('result-count')).toHaveText('24 photos');

  // Multi-select: click, Shift-click a range, Ctrl-click to toggle, Ctrl+A.
  await tiles.nth(0).click();
  await expect(page.getByTestId('selection-count')).toHaveText('1 photo selected');
  await tiles.nth(4).click({ modifiers: ['Shift'] });
  await expect(page.getByTestId('selection-count')).toHaveText('5 photos selected');
  await tiles.nth(2).click({ modifiers: ['Control'] });
  await expect(page.getByTestId('selection-count')).toHaveText('4 photos selected');
  await expect(tiles.nth(2)).toHaveAttribute('aria-selected', 'false');
  await grid.press('Control+a');
  await expect(page.getByTestId('selection-count')).toHaveText('24 photos selected');

  // Open a photo: double-click shows it large, fitted to the window.
  const first = (await tiles.nth(0).getAttribute('aria-label'))?.split(',')[0] ?? '';
  await tiles.nth(0).dblclick();
  const viewer = page.getByRole('dialog', { name: 'Photo viewer' });
  await expect(viewer).toBeVisible();
  await expect(viewer.getByRole('heading', { name: first })).toBeVisible();
  await expect(page.getByTestId('viewer-position')).toHaveText('1 of 24');
  const image = viewer.getByRole('img', { name: first });
  await expect.poll(() => imageLoaded(image)).toBe(true);
  const box = await image.boundingBox();
  const stage = await viewer.locator('.stage').boundingBox();
  expect(box && stage && box.width <= stage.width + 1 && box.height <= stage.height + 1, 'the photo fits the window').toBe(true);
  await page.screenshot({ path: path.join(screenshots, '04-viewer.png') });

  // Wheel zooms; arrows walk the result; Escape goes back to the grid.
  const fitted = await page.getByTestId('zoom-level').textContent();
  await page.mouse.move((stage?.x ?? 0) + (stage?.width ?? 0) / 2, (stage?.y ?? 0) + (stage?.height ?? 0) / 2);
  await page.mouse.wheel(0, -400);
  await expect(page.getByTestId('zoom-level')).not.toHaveText(fitted ?? '');
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('viewer-position')).toHaveText('2 of 24');
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('viewer-position')).toHaveText('1 of 24');
  await page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();

  // Keyboard: Enter opens the photo under the cursor.
  await grid.focus();
  await grid.press('ArrowRight');
  await grid.press('Enter');
  await expect(page.getByTestId('viewer-position')).toHaveText('2 of 24');
  await page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();

  // A folder that does not exist is refused with a message; the library stays as it was.
  await page.getByRole('textbox', { name: 'Library folder path' }).fill(`${library.root}-missing`);
  await page.getByRole('button', { name: 'Open folder' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Could not open' })).toBeVisible();
  await page.screenshot({ path: path.join(screenshots, '05-open-error.png') });
  await page.getByRole('alert').getByRole('button', { name: 'Dismiss' }).click();
  await expect(page.getByTestId('result-count')).toHaveText('24 photos');

  // A reload has no token in the URL any more: the tab kept it (session storage, never a cookie).
  await page.reload();
  await expect(page.getByTestId('result-count')).toHaveText('24 photos');
  await expect.poll(() => imageLoaded(grid.getByRole('option').first().locator('img'))).toBe(true);

  expect(consoleErrors, 'no errors in the page console').toEqual([]);
  expect(failedResponses, 'only the missing folder was refused').toEqual(['404 /api/library.open']);
});
