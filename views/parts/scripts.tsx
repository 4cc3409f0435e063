// Scripts for owner pages: a nonce'd one-liner that marks the page as scripted (images
// stay hidden until loaded only then), the page's own small script, and htmx when asked.
import { staticUrl } from '../../src/static-files.ts';

// htmx's injected indicator style would break the CSP; eval is never needed; 422 answers
// (a form with a mistake) are swapped in like successes.
const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  responseHandling: [
    { code: '204', swap: false },
    { code: '[23]..', swap: true },
    { code: '422', swap: true },
    { code: '[45]..', swap: false, error: true },
  ],
});

export function PageScripts({ nonce, htmx }: { nonce: string; htmx?: boolean }) {
  return (
    <>
      <script nonce={nonce} dangerouslySetInnerHTML={{ __html: "document.documentElement.classList.add('js')" }} />
      {htmx && <meta name="htmx-config" content={HTMX_CONFIG} />}
      {htmx && <script src={staticUrl('vendor/htmx.min.js')} defer />}
      <script src={staticUrl('js/album.js')} defer />
    </>
  );
}
