// Every share link across albums, newest first and turned-off ones last: what each
// allows, its counters, whether it is active, expired or turned off, its address with
// Copy and Share, and Turn off / Turn on again / Delete.
import type { User } from '../../src/db/schema.ts';
import type { LinkView } from '../../src/sharing/link-view.ts';
import { staticUrl } from '../../src/static-files.ts';
import { Page } from '../layouts/page.tsx';
import { LinkAddress, linkCounters, LinkSwitch, linkSummary, StatusPill } from '../parts/share-sheet.tsx';
import { TopBar } from '../parts/top-bar.tsx';

export function LinksPage({ user, links }: { user: User; links: LinkView[] }) {
  return (
    <Page title="Shared links" head={<script src={staticUrl('js/share-link.js')} defer />}>
      <TopBar user={user} title="Shared links" />
      <main class="shell links-page">
        {links.length === 0 ? (
          <p class="muted">No links yet. Open an album and choose Share to make one.</p>
        ) : (
          <ul class="link-list">
            {links.map((l) => (
              <li class={`link-row status-${l.status}`} id={`link-${l.id}`}>
                <div class="link-head">
                  <a href={`/albums/${l.albumId}`}>
                    <strong>{l.albumTitle}</strong>
                  </a>
                  {l.label && <span class="muted"> · {l.label}</span>}
                  <StatusPill l={l} />
                </div>
                <p class="muted small">{linkSummary(l)}</p>
                <p class="muted small">{linkCounters(l)}</p>
                {l.status !== 'revoked' && <LinkAddress l={l} />}
                <div class="actions start">
                  <LinkSwitch l={l} on="links" />
                </div>
              </li>
            ))}
          </ul>
        )}
      </main>
    </Page>
  );
}
