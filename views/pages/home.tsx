// The album list (owner home): cards with a square cover, title and "124 items · Jul 2024",
// newest first, and "New album" (a popover form; no script needed).
import type { User } from '../../src/db/schema.ts';
import type { AlbumSummary } from '../../src/queries/albums.ts';
import { Page } from '../layouts/page.tsx';
import { mediaUrl } from '../parts/album-grid.tsx';
import { monthRange, plural } from '../parts/dates.ts';
import { Icon } from '../parts/icons.tsx';
import { placeholderBackground } from '../parts/placeholder.ts';
import { AlbumFields, FormError, SheetCancel } from '../parts/form.tsx';
import { PageEnd, PageScripts } from '../parts/scripts.tsx';
import { TopBar } from '../parts/top-bar.tsx';

export interface HomeProps {
  user: User;
  albums: AlbumSummary[];
  /** A failed create: the message and what was typed. */
  error?: string;
  form?: { title?: string; description?: string };
}

function cardMeta(a: AlbumSummary): string {
  if (!a.item_count) return 'Empty';
  const when = a.first_day && a.last_day ? ` · ${monthRange(a.first_day, a.last_day)}` : '';
  return `${plural(a.item_count, 'item')}${when}`;
}

function Cover({ album }: { album: AlbumSummary }) {
  const cover = album.cover;
  if (!cover) {
    return (
      <span class="cover empty">
        <Icon name="images" />
      </span>
    );
  }
  const placeholder = placeholderBackground(cover.thumbhash);
  const w = cover.width || 1;
  const h = cover.height || 1;
  // A square crop: the image's short edge fills the card (about half the screen on phones).
  const widthPerEdge = Math.max(1, w / h);
  return (
    <span class={placeholder ? 'cover' : 'cover skeleton'} style={placeholder ? `background-image:${placeholder}` : undefined}>
      {cover.status === 'ready' && (
        <img
          src={mediaUrl(cover.id, 'thumb')}
          srcset={`${mediaUrl(cover.id, 'thumb')} ${Math.round(360 * widthPerEdge)}w, ${mediaUrl(cover.id, 'preview')} ${Math.round(2048 * Math.min(1, w / h))}w`}
          sizes={`(min-width: 768px) ${Math.round(240 * widthPerEdge)}px, ${Math.round(50 * widthPerEdge)}vw`}
          loading="lazy"
          decoding="async"
          alt=""
        />
      )}
    </span>
  );
}

function AlbumCard({ album }: { album: AlbumSummary }) {
  return (
    <li>
      <a class="album-card" href={`/albums/${album.id}`}>
        <Cover album={album} />
        <span class="card-title">{album.title}</span>
        <span class="card-meta">{cardMeta(album)}</span>
      </a>
    </li>
  );
}

export function NewAlbumForm({ error, form }: { error?: string; form?: HomeProps['form'] }) {
  return (
    <form method="post" action="/albums" class="stack">
      <h2 id="new-album-heading">New album</h2>
      <FormError message={error} />
      <AlbumFields idPrefix="new-album" title={form?.title ?? ''} description={form?.description ?? ''} isNew />
      <div class="actions">
        <SheetCancel sheet="new-album" />
        <button type="submit" class="primary">
          Create album
        </button>
      </div>
    </form>
  );
}

export function HomePage({ user, albums, error, form }: HomeProps) {
  const owner = user.role === 'owner';
  return (
    <Page title="Shoebox" head={<PageScripts grid={false} />}>
      <TopBar
        user={user}
        actions={
          owner && albums.length > 0 ? (
            <button type="button" class="primary new-album-button" popovertarget="new-album">
              <Icon name="plus" />
              <span>New album</span>
            </button>
          ) : undefined
        }
      />
      <main class="shell">
        <h2 class="visually-hidden">Albums</h2>
        {error && (
          <section class="card narrow-form">
            <NewAlbumForm error={error} form={form} />
          </section>
        )}
        {albums.length ? (
          <ul class="album-cards">
            {albums.map((a) => (
              <AlbumCard album={a} />
            ))}
          </ul>
        ) : owner ? (
          <section class="empty-state">
            <Icon name="images" />
            <h2>No albums yet</h2>
            <p>Make one for a trip, an event or a year, then add photos and videos to it.</p>
            <button type="button" class="primary" popovertarget="new-album">
              <Icon name="plus" />
              New album
            </button>
          </section>
        ) : (
          <section class="empty-state">
            <Icon name="images" />
            <h2>No albums yet</h2>
            <p>When the owner gives you an album to add photos to, it appears here.</p>
          </section>
        )}
      </main>
      <PageEnd />
      {owner && !error && (
        <div id="new-album" popover="auto" class="sheet" aria-labelledby="new-album-heading">
          <NewAlbumForm />
        </div>
      )}
    </Page>
  );
}
