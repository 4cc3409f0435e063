// The upload panel that static/js/upload.js drives: a hidden file input (opened by the
// Upload buttons: on phones the photo library), a drop overlay for drag-and-drop anywhere on
// the page, and a panel that lists each file with its progress. Everything the script needs
// to know is in data attributes, so another page (a guest link) can point it elsewhere.
import { Icon } from './icons.tsx';
import { staticUrl } from '../../src/static-files.ts';

/** Files this large or larger go up resumably (tus, in chunks); smaller ones in one multipart request. */
export const RESUMABLE_FROM_BYTES = 8 * 1024 * 1024;

// What the picker offers: photos and videos, plus the types browsers do not file under them.
export const UPLOAD_ACCEPT = 'image/*,video/*,.heic,.heif,.hif,.avif,.dng,.cr2,.cr3,.nef,.arw,.orf,.raf,.rw2,.tif,.tiff,.mkv,.3gp,.avi,.mts,.m2ts,.ts,.mpg,.mpeg,.mod';

export interface UploadPanelProps {
  /** Where each file is POSTed (multipart: the fields, lastModified, then the file). */
  url: string;
  /** Fields sent before each file, e.g. { albumId }. */
  fields?: Record<string, string>;
  /** A form (selector) whose fields are read and sent at the moment each file goes, e.g. a guest's name. */
  form?: string;
  /** Files larger than this are refused before they are sent. */
  maxBytes?: number;
  /** Say "Processing…" until the page's live grid reports the item ready. */
  waitForProcessing?: boolean;
  /** The drop overlay's words: "Drop to add to Lake weekend". */
  dropLabel: string;
  /** The tus endpoint for files of RESUMABLE_FROM_BYTES or more, and the chunk size (UPLOAD_CHUNK_SIZE). */
  resumable: { url: string; chunkBytes: number };
  /** Where a file already stored is said to be: "in your library" (the owner), "in this album" (a guest, who has no library). */
  duplicatePlace?: string;
}

export function UploadPanel({ url, fields, form, maxBytes, waitForProcessing, dropLabel, resumable, duplicatePlace = 'in your library' }: UploadPanelProps) {
  return (
    <>
      <input type="file" id="upload-input" class="upload-input" multiple accept={UPLOAD_ACCEPT} hidden aria-label="Choose photos and videos to upload" />
      <section
        id="upload-panel"
        class="upload-panel"
        hidden
        aria-labelledby="upload-title"
        data-upload-url={url}
        data-upload-fields={fields ? JSON.stringify(fields) : undefined}
        data-upload-form={form}
        data-max-bytes={maxBytes}
        data-wait-processing={waitForProcessing ? '' : undefined}
        data-duplicate-place={duplicatePlace}
        data-tus-url={resumable.url}
        data-tus-script={staticUrl('vendor/tus.min.js')}
        data-chunk-bytes={resumable.chunkBytes}
        data-resumable-from={RESUMABLE_FROM_BYTES}
      >
        <header class="upload-head">
          {/* Read out as a whole when a file is done: "Uploading 4 of 7, 3 uploaded · 1 failed". */}
          <div class="upload-summary" role="status" aria-live="polite" aria-atomic="true">
            <h2 id="upload-title">Uploading</h2>
            <p class="upload-counts" />
          </div>
          <button type="button" class="upload-retry-all" aria-label="Retry the failed uploads" title="Retry the failed uploads" hidden>
            <Icon name="rotate-cw" />
            Retry
          </button>
          <button type="button" class="button icon-button upload-toggle" aria-expanded="true" aria-controls="upload-list" aria-label="Hide the list" title="Hide the list">
            <Icon name="chevron-down" />
          </button>
          <button type="button" class="button icon-button upload-close" aria-label="Close" title="Close" hidden>
            <Icon name="x" />
          </button>
        </header>
        <progress class="upload-total" max="100" value="0" aria-label="All uploads" />
        <ol id="upload-list" class="upload-list" />
        <template class="upload-row-template">
          <li class="upload-row" data-state="queued">
            <span class="upload-icon" aria-hidden="true">
              <Icon name="check" />
              <Icon name="copy-check" />
              <Icon name="circle-alert" />
            </span>
            <div class="upload-body">
              <div class="upload-line">
                <span class="upload-name" />
                <span class="upload-size" />
              </div>
              <progress class="upload-progress" max="100" value="0" />
              <p class="upload-state" />
            </div>
            <button type="button" class="upload-retry" hidden>
              Retry
            </button>
          </li>
        </template>
      </section>
      <div class="drop-overlay" hidden>
        <div class="drop-box">
          <Icon name="upload" />
          <p>{dropLabel}</p>
        </div>
      </div>
    </>
  );
}
