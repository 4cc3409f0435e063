// The library: every photo and video, newest first, in pages of the same justified grid
// as albums (not an endless timeline), with a filter for what is in no album yet.
import type { User } from '../../src/db/schema.ts';
import type { LibraryFilter } from '../../src/queries/library.ts';
import type { GridSection } from '../../src/routes/album-grid.ts';
import { Page } from '../layouts/page.tsx';
import { ownerGridContext, Section } from '../parts/album-grid.tsx';
import { plural } from '../parts/dates.ts';
import { Icon } from '../parts/icons.tsx';
import { LiveGrid, ProcessingStatus } from '../parts/live-grid.tsx';
import { PageEnd, PageScripts } from '../parts/scripts.tsx';
import { SelectBar, SelectButton } from '../parts/select-bar.tsx';
import { TopBar } from '../parts/top-bar.tsx';
import { UploadPanel } from '../parts/upload-panel.tsx';

export interface LibraryProps {
  user: User;
  filter: LibraryFilter;
  sections: GridSection[];
  total: number;
  page: number;
  pages: number;
  currentYear: number;
  /** UPLOAD_CHUNK_SIZE: a resumable upload's chunks. */
  uploadChunkBytes: number;
}

export const libraryUrl = (filter: LibraryFilter, page = 1) => {
  const params = new URLSearchParams();
  if (filter !== 'all') params.set('filter', filter);
  if (page > 1) params.set('page', String(page));
  const query = params.toString();
  return query ? `/library?${query}` : '/library';
};

function Filters({ filter }: { filter: LibraryFilter }) {
  const tab = (value: LibraryFilter, label: string) => (
    <a href={libraryUrl(value)} class="tab" aria-current={filter === value ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <nav class="tabs" aria-label="Show">
      {tab('all', 'All')}
      {tab('unsorted', 'Not in any album')}
      <span class="spacer" />
      <SelectButton />
      <a href="/trash" class="tab trash-link" title="Trash">
        <Icon name="trash-2" />
        <span class="label">Trash</span>
      </a>
    </nav>
  );
}

function Pager({ filter, page, pages }: { filter: LibraryFilter; page: number; pages: number }) {
  if (pages <= 1) return null;
  return (
    <nav class="pager" aria-label="Pages">
      {page > 1 ? (
        <a class="button" rel="prev" href={libraryUrl(filter, page - 1)}>
          Newer
        </a>
      ) : (
        <span />
      )}
      <span class="muted">
        Page {page} of {pages}
      </span>
      {page < pages ? (
        <a class="button" rel="next" href={libraryUrl(filter, page + 1)}>
          Older
        </a>
      ) : (
        <span />
      )}
    </nav>
  );
}

export function LibraryPage(p: LibraryProps) {
  const ctx = ownerGridContext(p.user, p.currentYear);
  const what = p.filter === 'unsorted' ? `${plural(p.total, 'item')} not in any album` : plural(p.total, 'item');
  return (
    <Page title="Library" head={<PageScripts upload />}>
      <TopBar
        user={p.user}
        title="Library"
        actions={
          <>
            <ProcessingStatus />
            <button type="button" id="upload-button" class="button ghost upload-button" title="Upload">
              <Icon name="upload" />
              <span>Upload</span>
            </button>
          </>
        }
      />
      <main class="shell library">
        <header class="album-head">
          <p class="album-meta">{what}</p>
          <Filters filter={p.filter} />
        </header>
        {p.total === 0 ? (
          p.filter === 'unsorted' ? (
            <section class="empty-state">
              <Icon name="images" />
              <h2>Everything is in an album</h2>
              <p>Photos and videos that are in no album will show up here.</p>
              <a class="button" href={libraryUrl('all')}>
                Show all
              </a>
            </section>
          ) : (
            <section class="empty-state">
              <Icon name="images" />
              <h2>Your library is empty</h2>
              <p>Everything you upload to an album also appears here.</p>
              <a class="button primary" href="/">
                Go to albums
              </a>
            </section>
          )
        ) : (
          <>
            <div class="grid">
              {p.sections.map((s) => (
                <Section s={s} ctx={ctx} />
              ))}
            </div>
            <Pager filter={p.filter} page={p.page} pages={p.pages} />
          </>
        )}
      </main>
      <PageEnd />
      <SelectBar context="library" />
      <UploadPanel url="/api/assets/upload" resumable={{ url: '/api/uploads', chunkBytes: p.uploadChunkBytes }} waitForProcessing dropLabel="Drop to add to your library" />
      <LiveGrid placeUrl={`/library/placed-tiles?filter=${p.filter}`} statusUrl="/api/assets/status" />
    </Page>
  );
}
