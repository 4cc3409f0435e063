// Real Chromium (Debian's package) driven by playwright-core, with the flags this
// sandbox needs (no background networking: nothing may leave the machine).
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = () => existsSync(CHROMIUM);

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1440, height: 900 };
/** A phone (DPR 3, touch) and a desktop (mouse), for tests run at both sizes. */
export const PHONE_AND_DESKTOP = [
  { name: 'phone', viewport: PHONE, scale: 3, touch: true },
  { name: 'desktop', viewport: DESKTOP, scale: 1, touch: false },
] as const;

/** A browser context at one of those sizes (a touch screen for the phone). */
export function sizedContext(browser: Browser, size: (typeof PHONE_AND_DESKTOP)[number], options: BrowserContextOptions = {}) {
  return browser.newContext({ viewport: size.viewport, deviceScaleFactor: size.scale, hasTouch: size.touch, isMobile: size.touch, ...options });
}

/** The page's console errors and uncaught exceptions from now on, but for 404 answers (seeded items have no files). */
export function pageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource.*404/.test(msg.text())) problems.push(msg.text());
  });
  page.on('pageerror', (err) => problems.push(err.message));
  return problems;
}

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

/** A touch held in place for `ms` (the long press), through the DevTools protocol. */
export async function longPress(page: Page, selector: string, ms = 700) {
  await page.$eval(selector, (el) => el.scrollIntoView({ block: 'center' })); // not under a toast
  await page.waitForTimeout(150); // its scroll event first (a scroll cancels a press)
  const box = (await page.locator(selector).boundingBox())!;
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] });
  await page.waitForTimeout(ms);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
  await page.waitForTimeout(100);
}
