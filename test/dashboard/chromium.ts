/**
 * @module
 * Debian's Chromium through playwright-core, headless, with nothing that phones home: the
 * browser talks only to the test server on 127.0.0.1.
 */
import { type Browser, chromium } from 'playwright-core';

export const chromiumPath = process.env.SPOOL_TEST_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}
