/**
 * @module
 * Browser helpers for the dashboard tests: screenshots, page errors, widths. Without Chromium the suite
 * is skipped locally with a message, and fails in CI (`CI` set), where `.ci/run` installs it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, it } from 'vitest';
import { root } from './build.js';
import { chromiumPath } from './chromium.js';

export { launchChromium } from './chromium.js';
export const screenshotDir = join(root, 'test-results', 'screenshots');

/** True when Chromium is there; otherwise registers a failing test in CI, or warns and returns false. */
export function chromiumAvailable(): boolean {
  if (existsSync(chromiumPath)) return true;
  const message = `Chromium is not installed at ${chromiumPath}; install it with \`apt-get install -y chromium\` (or set SPOOL_TEST_CHROMIUM).`;
  if (process.env.CI) {
    describe('dashboard in Chromium', () => {
      it('needs Chromium in CI', () => {
        throw new Error(message);
      });
    });
  } else {
    process.stderr.write(`\n[spool tests] SKIPPING the dashboard browser tests: ${message}\n`);
  }
  return false;
}

export const widths = { laptop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

/** Saves a PNG under test-results/screenshots/ (git-ignored) and returns its path. */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: options.fullPage ?? true, animations: 'disabled' });
  return path;
}

/** Collects uncaught page errors and console errors, so a test can assert there were none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return errors;
}
