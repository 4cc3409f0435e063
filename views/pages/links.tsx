// Every share link across albums, newest first: what each allows, its counters, and
// whether it is active, expired or turned off.
import type { User } from '../../src/db/schema.ts';
import type { LinkView } from '../../src/sharing/link-view.ts';
import { Page } from '../layouts/page.tsx';
import { linkCounters, linkSummary } from '../parts/share-sheet.tsx';
import { TopBar } from '../parts/top-bar.tsx';

const STATUS_LABEL = { active: 'Active', expired: 'Expired', revoked: 'Turned off' } as const;

export function LinksPage({ user, links }: { user: User; links: LinkView[] }) {
  return (
    <Page title="Shared links">
      <TopBar user={user} title="Shared links" />
      <main class="shell links-page">
        {links.length === 0 ? (
          <p class="muted">No links yet. Open an album and choose Share to make one.</p>
        ) : (
          <ul class="link-list">
            {links.map((l) => (
              <li class={`link-row status-${l.status}`}>
                <div class="link-head">
                  <a href={`/albums/${l.albumId}`}>
                    <strong>{l.albumTitle}</strong>
                  </a>
                  {l.label && <span class="muted"> · {l.label}</span>}
                  <span class={`pill ${l.status}`}>{STATUS_LABEL[l.status]}</span>
                </div>
                <p class="muted small">{linkSummary(l)}</p>
                <p class="muted small">{linkCounters(l)}</p>
                {l.status !== 'revoked' && <p class="small link-address">{l.url}</p>}
                <div class="actions start">
                  {l.status !== 'revoked' ? (
                    <form method="post" action={`/links/${l.id}/revoke?from=links`}>
                      <button type="submit" class="button ghost danger">
                        Turn off
                      </button>
                    </form>
                  ) : (
                    <form method="post" action={`/links/${l.id}/delete?from=links`}>
                      <button type="submit" class="button ghost danger">
                        Delete
                      </button>
                    </form>
                  )}
                </div>
              </li>
            ))}
          </ul>
        )}
      </main>
    </Page>
  );
}
