// Real Chromium (Debian's package) driven by playwright-core, with the flags this
// sandbox needs (no background networking: nothing may leave the machine).
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = () => existsSync(CHROMIUM);

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1440, height: 900 };

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Until a grid page's scripts have run: the guest page loads them only once its first frame
 * is painted (src/http/inline-scripts.ts), which can be after its load event.
 */
export async function pageScriptsRan(page: Page): Promise<void> {
  await page.waitForFunction(() => document.documentElement.classList.contains('painted'));
  await page.waitForLoadState('networkidle');
}
