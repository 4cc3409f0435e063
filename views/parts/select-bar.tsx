// Select mode on the owner's grids (album page, library, trash) and on the guest page: the
// bar that replaces the top bar with "3 selected" and the actions, the album picker for
// "Add to album", the confirms, the move bar for custom order on touch, the Save to Photos
// panel, and the toast. All of it is inert HTML until static/js/select-core.js and the
// page's own script (select.js, guest-select.js; reorder.js for drag and drop) run;
// data-* on the bar tell the script where it is.
import { staticUrl } from '../../src/static-files.ts';
import { SheetCancel } from './form.tsx';
import { Icon } from './icons.tsx';

export type SelectContext = 'album' | 'library' | 'trash';

export interface SelectBarProps {
  context: SelectContext;
  /** The album page's album: its id and whether it is in custom order. */
  album?: { id: string; manual: boolean };
  /** Days an item stays in the trash. */
  trashDays?: number;
}

function SelectScripts({ reorder }: { reorder?: boolean }) {
  return (
    <>
      <script src={staticUrl('js/select-core.js')} defer />
      <script src={staticUrl('js/download.js')} defer />
      <script src={staticUrl('js/select.js')} defer />
      {reorder && <script src={staticUrl('js/reorder.js')} defer />}
    </>
  );
}

/** The top-bar button that starts select mode (keyboard users, and a hint for everyone); hidden without script. */
export function SelectButton() {
  return (
    <button type="button" class="button ghost select-start" data-select-start>
      <Icon name="square-check-big" />
      <span class="label">Select</span>
    </button>
  );
}

function Action(p: { action: string; icon: Parameters<typeof Icon>[0]['name']; label: string; class?: string; needsOne?: boolean; hidden?: boolean }) {
  return (
    <button
      type="button"
      class={`button ghost select-action ${p.class ?? ''}`}
      data-action={p.action}
      data-needs-one={p.needsOne ? '' : undefined}
      title={p.label}
      hidden={p.hidden}
    >
      <Icon name={p.icon} />
      <span class="label">{p.label}</span>
    </button>
  );
}

/** Filled from GET /api/albums when it opens (select.js): the page does not pay for it. */
function AlbumPicker() {
  return (
    <div id="album-picker" popover="auto" class="sheet picker" aria-labelledby="album-picker-heading">
      <h2 id="album-picker-heading">Add to album</h2>
      <form class="inline-form picker-new" data-new-album>
        <input type="text" name="title" maxlength={200} required placeholder="New album" aria-label="New album title" autocomplete="off" />
        <button type="submit" class="primary">
          <Icon name="plus" />
          Create
        </button>
      </form>
      <ul class="picker-list" aria-busy="true" />
    </div>
  );
}

function Confirm(p: { id: string; heading: string; text: string; action: string; button: string }) {
  return (
    <div id={p.id} popover="auto" class="sheet" role="alertdialog" aria-labelledby={`${p.id}-heading`} aria-describedby={`${p.id}-text`}>
      <h2 id={`${p.id}-heading`} data-heading>
        {p.heading}
      </h2>
      <p id={`${p.id}-text`} data-text>
        {p.text}
      </p>
      <div class="actions">
        <SheetCancel sheet={p.id} />
        <button type="button" class="primary danger-fill" data-action={p.action}>
          {p.button}
        </button>
      </div>
    </div>
  );
}

/** The bar's start: × (leave select mode) and "3 selected", then room before the actions. */
function SelectionCount() {
  return (
    <>
      <button type="button" class="button icon-button" data-action="cancel" aria-label="Cancel selection" title="Cancel selection (Esc)">
        <Icon name="x" />
      </button>
      <span class="select-count" aria-live="polite">
        0 selected
      </span>
      <span class="spacer" />
    </>
  );
}

export function SelectBar({ context, album, trashDays = 30 }: SelectBarProps) {
  const inAlbum = context === 'album' && album;
  return (
    <>
      <div
        id="select-bar"
        class="select-bar"
        role="toolbar"
        aria-label="Selection"
        data-context={context}
        data-album-id={album?.id}
        data-sort={album?.manual ? 'manual' : undefined}
        data-trash-days={trashDays}
        hidden
      >
        <div class="select-bar-inner shell-bar">
          <SelectionCount />
          {context === 'trash' ? (
            <>
              <Action action="restore" icon="rotate-ccw" label="Restore" class="show-label" />
              <Action action="purge" icon="trash-2" label="Delete forever" class="danger show-label" />
            </>
          ) : (
            <>
              <Action action="add" icon="folder-plus" label="Add to album" />
              {inAlbum && <Action action="remove" icon="folder-minus" label="Remove from album" class="wide-only" />}
              {inAlbum && <Action action="cover" icon="image" label="Use as cover" class="wide-only" needsOne />}
              <Action action="save" icon="share" label="Save to Photos" hidden />
              <Action action="download" icon="download" label="Download" />
              <Action action="shift" icon="calendar-clock" label="Change dates" class="wide-only" />
              <Action action="delete" icon="trash-2" label="Delete" />
              <button type="button" class="button icon-button narrow-only" popovertarget="select-more" aria-label="More actions" title="More actions">
                <Icon name="ellipsis-vertical" />
              </button>
            </>
          )}
        </div>
      </div>
      {context !== 'trash' && (
        <div id="select-more" popover="auto" class="menu-sheet">
          {inAlbum && (
            <button type="button" class="menu-item" data-action="remove">
              <Icon name="folder-minus" />
              Remove from album
            </button>
          )}
          {inAlbum && (
            <button type="button" class="menu-item" data-action="cover" data-needs-one>
              <Icon name="image" />
              Use as cover
            </button>
          )}
          <button type="button" class="menu-item" data-action="shift">
            <Icon name="calendar-clock" />
            Change dates
          </button>
        </div>
      )}
      {context !== 'trash' && <ShiftDates />}
      {inAlbum && album.manual && (
        <div class="move-bar" data-move-bar hidden>
          <button type="button" data-action="earlier">
            <Icon name="arrow-left" />
            Move earlier
          </button>
          <button type="button" data-action="later">
            Move later
            <Icon name="arrow-right" />
          </button>
        </div>
      )}
      {context !== 'trash' && <AlbumPicker />}
      {context !== 'trash' && (
        <Confirm id="delete-confirm" heading="Move to the trash?" text={`They move to the trash for ${trashDays} days.`} action="delete-confirmed" button="Move to trash" />
      )}
      {context === 'trash' && (
        <Confirm id="purge-confirm" heading="Delete forever?" text="They are deleted for good, with their files. This cannot be undone." action="purge-confirmed" button="Delete forever" />
      )}
      {context !== 'trash' && <SavePanel />}
      <SelectScripts reorder={Boolean(inAlbum && album.manual)} />
      <Toast />
    </>
  );
}

/** "Change dates": move the selection's dates by an offset (a camera clock that was off). */
function ShiftDates() {
  return (
    <div id="shift-dates" popover="auto" class="sheet" aria-labelledby="shift-dates-heading" aria-describedby="shift-dates-text">
      <h2 id="shift-dates-heading">Change dates</h2>
      <p id="shift-dates-text">Move when the selected items were taken: for a camera whose clock was off.</p>
      <form class="shift-form" data-shift-form>
        <label class="shift-field">
          <input type="number" name="days" min={0} max={36500} value="0" inputmode="numeric" />
          days
        </label>
        <label class="shift-field">
          <input type="number" name="hours" min={0} max={23} value="1" inputmode="numeric" />
          hours
        </label>
        <label class="shift-field">
          <input type="number" name="minutes" min={0} max={59} value="0" inputmode="numeric" />
          minutes
        </label>
        <fieldset class="shift-direction">
          <legend class="visually-hidden">Direction</legend>
          <label>
            <input type="radio" name="direction" value="1" checked /> later
          </label>
          <label>
            <input type="radio" name="direction" value="-1" /> earlier
          </label>
        </fieldset>
        <p class="shift-error" role="alert" data-shift-error />
        <div class="actions">
          <SheetCancel sheet="shift-dates" />
          <button type="submit" class="primary">
            Move dates
          </button>
        </div>
      </form>
    </div>
  );
}

function Toast() {
  return (
    <div id="select-toast" class="toast" role="status" aria-live="polite" hidden>
      <span data-text />
      <button type="button" class="button ghost" data-undo hidden>
        Undo
      </button>
    </div>
  );
}

/** Save to Photos on phones: fetch the selected files, then a second tap opens the share sheet (static/js/download.js). */
function SavePanel() {
  return (
    <div id="save-panel" class="save-panel" role="group" aria-label="Save to Photos" hidden>
      <span class="save-status" data-save-status aria-live="polite" />
      <button type="button" class="primary" data-save-go disabled>
        Save
      </button>
      <button type="button" class="icon-button" data-save-cancel aria-label="Stop saving" title="Stop saving">
        <Icon name="x" />
      </button>
    </div>
  );
}

/**
 * The guest page's select mode (links that allow downloads): pick items, then one ZIP of
 * them, or Save to Photos on phones. Its scripts come with the page's others, once the
 * first screen's thumbnails are in (views/parts/scripts.tsx).
 */
export function GuestSelectBar({ selectionUrl }: { selectionUrl: string }) {
  return (
    <>
      <div id="select-bar" class="select-bar" role="toolbar" aria-label="Selection" data-context="guest" data-selection-url={selectionUrl} hidden>
        <div class="select-bar-inner shell-bar">
          <SelectionCount />
          <Action action="save" icon="share" label="Save to Photos" class="show-label" hidden />
          <Action action="download" icon="download" label="Download" />
        </div>
      </div>
      <SavePanel />
      <Toast />
    </>
  );
}

/** The guest page's scripts for select mode (select-core.js, download.js, guest-select.js as one file). */
export const GUEST_SELECT_SCRIPTS = ['js/guest-select.bundle.js'];
