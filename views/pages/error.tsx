import { Page } from '../layouts/page.tsx';

const headings: Record<number, string> = {
  400: 'That request did not make sense',
  401: 'Please sign in',
  403: 'Not allowed',
  404: 'Not found',
  410: 'Gone',
  413: 'Too large',
  429: 'Slow down',
  500: 'Something went wrong',
  503: 'Unavailable',
};

/** `guest`: a share link's page; no way into the owner's albums is offered. */
export function ErrorPage({ status, message, guest }: { status: number; message: string; guest?: boolean }) {
  const heading = headings[status] ?? 'Something went wrong';
  return (
    <Page title={heading} bodyClass="centered">
      <main class="card narrow message">
        <p class="status-code">{status}</p>
        <h1>{heading}</h1>
        <p>{message}</p>
        {!guest && (
          <p>
            <a class="button" href="/">
              Go to your albums
            </a>
          </p>
        )}
      </main>
    </Page>
  );
}
