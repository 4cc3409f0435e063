// What a guest sees through a share link: the album (read-only grid, lightbox, and the
// drawer when the link shows metadata), or the password gate before anything else.
// No framework bundle: the page's HTML and CSS, the small grid script, and the
// lightbox script that loads PhotoSwipe only when a photo is opened; with uploads, the
// upload panel's script and the live grid's, which show what the guest adds.
import type { AlbumSummary } from '../../src/queries/albums.ts';
import type { GridPage } from '../../src/routes/album-grid.ts';
import { staticUrl } from '../../src/static-files.ts';
import { Page } from '../layouts/page.tsx';
import { AlbumGrid, type GridContext } from '../parts/album-grid.tsx';
import { FormError } from '../parts/form.tsx';
import { DownloadAll } from '../parts/download-all.tsx';
import { GUEST_SELECT_SCRIPTS, GuestSelectBar, SelectButton } from '../parts/select-bar.tsx';
import { Icon } from '../parts/icons.tsx';
import { LiveGrid } from '../parts/live-grid.tsx';
import { PageEnd, PageScripts } from '../parts/scripts.tsx';
import { UploadPanel } from '../parts/upload-panel.tsx';
import { albumMetaLine } from './album.tsx';

export interface OpenGraph {
  title: string;
  description: string;
  /** Absolute URLs. */
  url: string;
  image?: string;
}

function OpenGraphTags({ og }: { og: OpenGraph }) {
  return (
    <>
      <meta property="og:type" content="website" />
      <meta property="og:title" content={og.title} />
      <meta property="og:description" content={og.description} />
      <meta property="og:url" content={og.url} />
      {og.image && <meta property="og:image" content={og.image} />}
      <meta name="twitter:card" content={og.image ? 'summary_large_image' : 'summary'} />
      <meta name="twitter:title" content={og.title} />
      <meta name="twitter:description" content={og.description} />
      {og.image && <meta name="twitter:image" content={og.image} />}
    </>
  );
}

export interface SharePageProps {
  album: AlbumSummary;
  page: GridPage;
  ctx: GridContext;
  /** Absent for password links: they tell chat apps nothing. */
  og?: OpenGraph;
  /** The page starts further down the album (the no-script "Show more" link). */
  continuedFrom?: string;
  /** Set when the link allows downloads: the album's ZIP, and where a selection is posted. */
  download?: { url: string; selectionUrl: string };
  /** Set when the link lets guests add photos: where to send them, the largest file, and where the live grid asks. */
  upload?: { url: string; resumableUrl: string; chunkBytes: number; maxBytes: number; placeUrl: string; statusUrl: string };
  /** Answers 404 once the link is turned off, 410 once it has expired (the lightbox says so). */
  linkState?: string;
}

/** The guest's name (sent with each file) and the button that opens the picker. */
function GuestUpload({ upload, albumTitle }: { upload: NonNullable<SharePageProps['upload']>; albumTitle: string }) {
  return (
    <>
      <form id="guest-upload-form" class="guest-upload" action="#">
        <label for="guest-name">Add your photos and videos</label>
        <div class="guest-upload-row">
          <input id="guest-name" name="name" type="text" required maxlength={60} autocomplete="name" placeholder="Your name" />
          <button type="button" class="primary" data-upload-open>
            <Icon name="upload" />
            Add photos
          </button>
        </div>
        <p class="muted small">Your name is shown on what you add.</p>
      </form>
      <UploadPanel
        url={upload.url}
        resumable={{ url: upload.resumableUrl, chunkBytes: upload.chunkBytes }}
        form="#guest-upload-form"
        maxBytes={upload.maxBytes}
        waitForProcessing
        dropLabel={`Drop to add to “${albumTitle}”`}
        duplicatePlace="in this album"
      />
      <LiveGrid placeUrl={upload.placeUrl} statusUrl={upload.statusUrl} hideFailed />
    </>
  );
}

export function SharePage({ album, page, ctx, og, continuedFrom, download, upload, linkState }: SharePageProps) {
  const meta = albumMetaLine(album);
  return (
    <Page
      title={album.title}
      guestStyles
      head={
        <>
          <meta name="robots" content="noindex, nofollow" />
          {og && <OpenGraphTags og={og} />}
          {upload && <link rel="stylesheet" href={staticUrl('css/upload.css')} />}
          <PageScripts guest upload={upload !== undefined} extra={download ? GUEST_SELECT_SCRIPTS : []} />
        </>
      }
    >
      <header class="topbar shell-bar">
        <span class="brand-small">Shared album</span>
        {download && album.item_count > 0 && (
          <>
            <span class="spacer" />
            <SelectButton />
          </>
        )}
      </header>
      <main class="shell album">
        <header id="album-head" class="album-head">
          <h1 class="album-title">{album.title}</h1>
          {album.description && <p class="album-desc">{album.description}</p>}
          {meta && <p class="album-meta">{meta}</p>}
          {download && album.item_count > 0 && <DownloadAll url={download.url} items={album.item_count} bytes={album.byte_count} />}
        </header>
        {upload && <GuestUpload upload={upload} albumTitle={album.title} />}
        {continuedFrom && (
          <p class="muted">
            <a href={continuedFrom} rel="prev">
              Back to the start of the album
            </a>
          </p>
        )}
        {album.item_count ? (
          <AlbumGrid page={page} ctx={ctx} total={continuedFrom ? undefined : album.item_count} linkState={linkState} />
        ) : (
          <section class="empty-state">
            <Icon name="images" />
            <h2>Nothing here yet</h2>
          </section>
        )}
      </main>
      <PageEnd />
      {download && <GuestSelectBar selectionUrl={download.selectionUrl} />}
    </Page>
  );
}

export function ShareGatePage({ token, error }: { token: string; error?: string }) {
  return (
    <Page
      title="Password required"
      bodyClass="centered"
      head={
        <>
          <meta name="robots" content="noindex, nofollow" />
        </>
      }
    >
      <main class="card narrow">
        <h1>This album is protected</h1>
        <p class="muted">Enter the password you were given to see it.</p>
        <FormError message={error} />
        <form method="post" action={`/s/${token}`}>
          <div class="field">
            <label for="password">Password</label>
            <input id="password" name="password" type="password" required autocomplete="current-password" autofocus />
          </div>
          <button class="primary wide" type="submit">
            Open album
          </button>
        </form>
      </main>
    </Page>
  );
}
