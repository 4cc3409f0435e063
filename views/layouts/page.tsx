// The shared HTML shell: head, theme colour, and the styles: linked for most pages, carried
// inline by the guest album page (see src/http/inline-styles.ts).
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { guestPageStyles } from '../../src/http/inline-styles.ts';
import { staticUrl } from '../../src/static-files.ts';

export interface PageProps {
  title: string;
  children?: Child;
  /** Extra elements for <head> (scripts, OpenGraph tags). */
  head?: Child;
  bodyClass?: string;
  /** The guest album page's styles inline instead of the whole stylesheet linked. */
  guestStyles?: boolean;
}

export function Page({ title, children, head, bodyClass, guestStyles }: PageProps) {
  return (
    <>
      {raw('<!doctype html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover" />
          <meta name="color-scheme" content="light dark" />
          <meta name="theme-color" content="#fafafa" media="(prefers-color-scheme: light)" />
          <meta name="theme-color" content="#101113" media="(prefers-color-scheme: dark)" />
          <title>{title === 'Shoebox' ? title : `${title} · Shoebox`}</title>
          {guestStyles ? (
            <style dangerouslySetInnerHTML={{ __html: guestPageStyles() }} />
          ) : (
            <link rel="stylesheet" href={staticUrl('css/app.css')} />
          )}
          <link rel="icon" href={staticUrl('img/icon.svg')} type="image/svg+xml" />
          {head}
        </head>
        <body class={bodyClass}>{children}</body>
      </html>
    </>
  );
}
