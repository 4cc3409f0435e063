// Reading the upload panel (views/parts/upload-panel.tsx) in a browser test.
import type { Page } from 'playwright-core';

/** Each row of the panel: file name, state, its words, its progress, whether Retry shows. */
export const uploadRows = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('.upload-row')].map((row) => ({
      name: row.querySelector('.upload-name')!.textContent!,
      state: row.dataset.state!,
      text: row.querySelector('.upload-state')!.textContent!,
      progress: row.querySelector<HTMLProgressElement>('.upload-progress')!.position,
      retry: !row.querySelector<HTMLButtonElement>('.upload-retry')!.hidden,
    })),
  );
