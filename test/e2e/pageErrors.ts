/**
 * Collects what a page reports as errors: console errors and uncaught exceptions. Chromium
 * also logs every failed resource load as a console error; those are left out, because
 * the specs that expect a 4xx check their responses themselves.
 */
import type { Page } from '@playwright/test';

export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}
