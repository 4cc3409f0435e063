// The album page: a thin bar (back, Upload, ⋮), the title, description and
// "124 photos · 3 videos · 12–19 Jul 2024", then the justified grid grouped by day.
// The owner edits title and description in place (a disclosure; htmx swaps the header
// back in), picks the order in the ⋮ menu and can delete the album from there.
import type { User } from '../../src/db/schema.ts';
import type { AlbumSummary } from '../../src/queries/albums.ts';
import type { GridPage } from '../../src/routes/album-grid.ts';
import { Page } from '../layouts/page.tsx';
import { AlbumGrid, ownerGridContext } from '../parts/album-grid.tsx';
import { dayRange, plural } from '../parts/dates.ts';
import { DownloadAll } from '../parts/download-all.tsx';
import { Icon } from '../parts/icons.tsx';
import { AlbumFields, FormError, SheetCancel } from '../parts/form.tsx';
import { LiveGrid, ProcessingStatus } from '../parts/live-grid.tsx';
import { PageEnd, PageScripts } from '../parts/scripts.tsx';
import { ShareSheet } from '../parts/share-sheet.tsx';
import { SelectBar, SelectButton } from '../parts/select-bar.tsx';
import { UploadPanel } from '../parts/upload-panel.tsx';

export interface AlbumPageProps {
  user: User;
  album: AlbumSummary;
  page: GridPage;
  currentYear: number;
  /** The page starts further down the album (the no-script "Show more" link). */
  continued?: boolean;
  /** UPLOAD_CHUNK_SIZE: a resumable upload's chunks. */
  uploadChunkBytes: number;
}

const SORT_LABELS = { taken_asc: 'Oldest first', taken_desc: 'Newest first', manual: 'Custom order' } as const;
const GROUP_LABELS = { auto: 'Automatic', day: 'Day', month: 'Month', none: 'No headers' } as const;

export function albumMetaLine(a: AlbumSummary): string {
  const parts: string[] = [];
  if (a.photo_count) parts.push(plural(a.photo_count, 'photo'));
  if (a.video_count) parts.push(plural(a.video_count, 'video'));
  if (a.first_day && a.last_day) parts.push(dayRange(a.first_day, a.last_day));
  return parts.join(' · ');
}

export interface AlbumHeadProps {
  album: AlbumSummary;
  canEdit: boolean;
  /** The owner's "Download all" (an uploader has none). */
  canDownload?: boolean;
  /** A failed edit: the message and what was typed; the form stays open. */
  error?: string;
  form?: { title?: string; description?: string };
}

export function AlbumHead({ album, canEdit, canDownload, error, form }: AlbumHeadProps) {
  const meta = albumMetaLine(album);
  return (
    <header id="album-head" class="album-head">
      <div class="album-title-row">
        <h1 class="album-title">{album.title}</h1>
        {canEdit && <AlbumEdit album={album} error={error} form={form} />}
      </div>
      {album.description && <p class="album-desc">{album.description}</p>}
      {meta && <p class="album-meta">{meta}</p>}
      {canDownload && album.item_count > 0 && (
        <DownloadAll url={`/api/albums/${album.id}/download.zip`} items={album.item_count} bytes={album.byte_count} />
      )}
    </header>
  );
}

function AlbumEdit({ album, error, form }: Omit<AlbumHeadProps, 'canEdit'>) {
  return (
    <details class="album-edit" open={error !== undefined}>
      <summary class="button icon-button" aria-label="Edit title and description" title="Edit title and description">
        <Icon name="pencil" />
      </summary>
      <form
        method="post"
        action={`/albums/${album.id}/details`}
        hx-post={`/albums/${album.id}/details`}
        hx-target="#album-head"
        hx-swap="outerHTML"
      >
        <FormError message={error} />
        <AlbumFields idPrefix="album-edit" title={form?.title ?? album.title} description={form?.description ?? album.description} />
        <div class="actions">
          <button type="button" data-close-details>
            Cancel
          </button>
          <button type="submit" class="primary">
            Save
          </button>
        </div>
      </form>
    </details>
  );
}

/** One of the album menu's settings: a select that saves when changed (an Apply button without script). */
function MenuChoice(p: { action: string; id: string; label: string; name: string; labels: Record<string, string>; selected: string }) {
  return (
    <form method="post" action={p.action} data-autosubmit class="menu-row">
      <label for={p.id}>{p.label}</label>
      <select id={p.id} name={p.name}>
        {Object.entries(p.labels).map(([key, words]) => (
          <option value={key} selected={p.selected === key}>
            {words}
          </option>
        ))}
      </select>
      <button type="submit" class="no-js-only">
        Apply
      </button>
    </form>
  );
}

function AlbumMenu({ album }: { album: AlbumSummary }) {
  return (
    <>
      <div id="album-menu" popover="auto" class="menu-sheet">
        <MenuChoice action={`/albums/${album.id}/sort`} id="album-sort" label="Order" name="sortOrder" labels={SORT_LABELS} selected={album.sort_order} />
        {album.sort_order !== 'manual' && (
          <MenuChoice action={`/albums/${album.id}/group`} id="album-group" label="Group by" name="groupBy" labels={GROUP_LABELS} selected={album.group_by} />
        )}
        <button type="button" class="menu-item danger" popovertarget="delete-album">
          <Icon name="trash-2" />
          Delete album
        </button>
      </div>
      <div id="delete-album" popover="auto" class="sheet" role="alertdialog" aria-labelledby="delete-album-heading">
        <h2 id="delete-album-heading">Delete “{album.title}”?</h2>
        <p>
          {album.item_count
            ? `The ${plural(album.item_count, 'item')} in it stay in your library; links to the album stop working.`
            : 'Links to the album stop working.'}
        </p>
        <form method="post" action={`/albums/${album.id}/delete`} class="actions">
          <SheetCancel sheet="delete-album" />
          <button type="submit" class="primary danger-fill">
            Delete album
          </button>
        </form>
      </div>
    </>
  );
}

export function AlbumPage({ user, album, page, currentYear, continued, uploadChunkBytes }: AlbumPageProps) {
  const owner = user.role === 'owner';
  const ctx = ownerGridContext(user, currentYear);
  return (
    <Page title={album.title} head={<PageScripts htmx upload extra={owner ? ['js/share-link.js'] : []} />}>
      <header class="topbar shell-bar">
        <a class="button icon-button" href="/" aria-label="All albums" title="All albums">
          <Icon name="arrow-left" />
        </a>
        <span class="spacer" />
        <ProcessingStatus />
        <button type="button" id="upload-button" class="button ghost upload-button">
          <Icon name="upload" />
          <span>Upload</span>
        </button>
        {owner && <SelectButton />}
        {owner && (
          <button type="button" class="button icon-button" popovertarget="share-sheet" aria-label="Share" title="Share">
            <Icon name="share-2" />
          </button>
        )}
        {owner && (
          <button type="button" class="button icon-button" popovertarget="album-menu" aria-label="Album options" title="Album options">
            <Icon name="ellipsis-vertical" />
          </button>
        )}
      </header>
      <main class="shell album">
        <AlbumHead album={album} canEdit={owner} canDownload={owner} />
        {continued && (
          <p class="muted">
            <a href={`/albums/${album.id}`}>Back to the start of the album</a>
          </p>
        )}
        {album.item_count ? (
          <AlbumGrid page={page} ctx={ctx} total={continued ? undefined : album.item_count} />
        ) : (
          <section class="empty-state">
            <Icon name="images" />
            <h2>This album is empty</h2>
            <p>Drop photos and videos here, or choose them from your device.</p>
            <button type="button" class="primary" data-upload-trigger>
              <Icon name="upload" />
              Add photos
            </button>
          </section>
        )}
      </main>
      <PageEnd />
      {owner && <AlbumMenu album={album} />}
      {owner && <ShareSheet albumId={album.id} />}
      {owner && <SelectBar context="album" album={{ id: album.id, manual: album.sort_order === 'manual' }} />}
      <UploadPanel url="/api/assets/upload" resumable={{ url: '/api/uploads', chunkBytes: uploadChunkBytes }} fields={{ albumId: album.id }} waitForProcessing dropLabel={`Drop to add to “${album.title}”`} />
      <LiveGrid placeUrl={`/albums/${album.id}/placed-tiles`} statusUrl="/api/assets/status" />
    </Page>
  );
}
