// The album's share sheet: its links (copy, share, QR, counters, edit, turn off and on
// again, delete; turned-off ones last) and a form for a new one. Rendered whole by the
// server and swapped in by htmx after each change; every form also works as a plain POST
// that comes back to the album page.
import type { Child } from 'hono/jsx';
import type { LinkView } from '../../src/sharing/link-view.ts';
import { FormError, SheetCancel } from './form.tsx';
import { Icon } from './icons.tsx';

const STATUS_LABEL = { active: 'Active', expired: 'Expired', revoked: 'Turned off' } as const;

export const StatusPill = ({ l }: { l: LinkView }) => <span class={`pill ${l.status}`}>{STATUS_LABEL[l.status]}</span>;

const when = (iso: string) =>
  new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' }).format(new Date(iso)) + ' UTC';

export function linkSummary(l: LinkView): string {
  const parts: string[] = [];
  parts.push(l.allowDownload ? 'downloads on' : 'view only');
  if (l.showMetadata) parts.push('shows details');
  if (!l.stripLocation) parts.push('keeps location');
  if (l.allowUpload) parts.push('guests can add');
  if (l.hasPassword) parts.push('password');
  if (l.expiresAt) parts.push(`${l.status === 'expired' ? 'expired' : 'expires'} ${when(l.expiresAt)}`);
  return parts.join(' · ');
}

export function linkCounters(l: LinkView): string {
  const v = `${l.views} ${l.views === 1 ? 'view' : 'views'}`;
  const d = `${l.downloads} ${l.downloads === 1 ? 'download' : 'downloads'}`;
  return `${v} · ${d}${l.lastOpenedAt ? ` · last opened ${when(l.lastOpenedAt)}` : ''}`;
}

/** Switches, password and expiry; `link` fills them when editing. */
export function LinkFields({ idPrefix, link }: { idPrefix: string; link?: LinkView }) {
  const check = (name: 'allowDownload' | 'showMetadata' | 'stripLocation' | 'allowUpload', label: string, hint: string, fallback: boolean) => (
    <label class="switch-row" for={`${idPrefix}-${name}`}>
      <input type="checkbox" id={`${idPrefix}-${name}`} name={name} checked={link ? link[name] : fallback} />
      <span>
        {label}
        <small class="muted">{hint}</small>
      </span>
    </label>
  );
  return (
    <>
      <div class="field">
        <label for={`${idPrefix}-label`}>
          Name <span class="muted">(only you see it)</span>
        </label>
        <input id={`${idPrefix}-label`} name="label" type="text" maxlength={100} value={link?.label ?? ''} placeholder="e.g. Family" autocomplete="off" />
      </div>
      {check('allowDownload', 'Allow downloads', 'Guests can save the original files.', true)}
      {check('showMetadata', 'Show photo details', 'Camera, lens and exposure in the info panel.', false)}
      {check('stripLocation', 'Hide location', 'No GPS in the page or in any file guests get.', true)}
      {check('allowUpload', 'Let guests add photos', 'They give a name, shown on what they add.', false)}
      <div class="field">
        <label for={`${idPrefix}-password`}>{link?.hasPassword ? 'New password' : 'Password'} <span class="muted">(optional, 10+ characters)</span></label>
        <input id={`${idPrefix}-password`} name="password" type="password" minlength={10} autocomplete="new-password" />
        {link?.hasPassword && (
          <label class="switch-row" for={`${idPrefix}-clearPassword`}>
            <input type="checkbox" id={`${idPrefix}-clearPassword`} name="clearPassword" />
            <span>Remove the password</span>
          </label>
        )}
      </div>
      <div class="field">
        <label for={`${idPrefix}-expires`}>Expires</label>
        <select id={`${idPrefix}-expires`} name="expires">
          {link?.expiresAt && (
            <option value="keep" selected>
              Keep: {when(link.expiresAt)}
            </option>
          )}
          <option value="never" selected={!link?.expiresAt}>
            Never
          </option>
          <option value="1d">In 1 day</option>
          <option value="7d">In 7 days</option>
          <option value="30d">In 30 days</option>
          <option value="365d">In a year</option>
        </select>
      </div>
    </>
  );
}

/** The link's address, Copy, and Share where the browser has a share sheet (static/js/share-link.js shows it). */
export function LinkAddress({ l }: { l: LinkView }) {
  return (
    <div class="link-url">
      <input type="text" readonly value={l.url} aria-label="Link address" id={`link-url-${l.id}`} />
      <div class="link-url-buttons">
        <button type="button" class="button" data-copy={`#link-url-${l.id}`}>
          <Icon name="copy" />
          <span>Copy</span>
        </button>
        <button type="button" class="button share-button" data-share={`#link-url-${l.id}`} data-share-title={l.albumTitle ?? ''}>
          <Icon name="share" />
          <span>Share</span>
        </button>
      </div>
    </div>
  );
}

/** A form that posts to `action`; with `htmx`, its answer replaces the share sheet's list. */
function PostForm(p: { action: string; htmx: boolean; class?: string; children: Child }) {
  const swap = p.htmx ? { 'hx-post': p.action, 'hx-target': '#share-links', 'hx-swap': 'outerHTML' } : {};
  return (
    <form method="post" action={p.action} class={p.class} {...swap}>
      {p.children}
    </form>
  );
}

/** A question before a form is sent: a bottom sheet on phones, a dialog on desktop. */
function ConfirmPost(p: { id: string; heading: string; text: string; button: string; action: string; htmx: boolean }) {
  return (
    <div id={p.id} popover="auto" class="sheet" role="alertdialog" aria-labelledby={`${p.id}-heading`} aria-describedby={`${p.id}-text`}>
      <h2 id={`${p.id}-heading`}>{p.heading}</h2>
      <p id={`${p.id}-text`}>{p.text}</p>
      <PostForm action={p.action} htmx={p.htmx} class="actions">
        <SheetCancel sheet={p.id} />
        <button type="submit" class="primary danger-fill">
          {p.button}
        </button>
      </PostForm>
    </div>
  );
}

/**
 * A link's Turn off (asked first), or, once it is off, Turn on again (the same address
 * works again) and Delete (asked first). In the share sheet the forms swap the sheet's
 * list (htmx); on the Links page they are plain posts that come back to it.
 */
export function LinkSwitch({ l, on }: { l: LinkView; on: 'sheet' | 'links' }) {
  const htmx = on === 'sheet';
  const action = (verb: 'revoke' | 'turn-on' | 'delete') => `/links/${l.id}/${verb}${on === 'links' ? '?from=links' : ''}`;
  const name = l.label ? `“${l.label}”` : 'this link';
  if (l.status !== 'revoked') {
    return (
      <>
        <button type="button" class="button ghost danger" popovertarget={`turn-off-${l.id}`}>
          <Icon name="ban" />
          Turn off
        </button>
        <ConfirmPost
          id={`turn-off-${l.id}`}
          heading={`Turn off ${name}?`}
          text="People who open it will be told it no longer works. You can turn it on again later, with the same address."
          button="Turn off"
          action={action('revoke')}
          htmx={htmx}
        />
      </>
    );
  }
  return (
    <>
      <PostForm action={action('turn-on')} htmx={htmx}>
        <button type="submit" class="button">
          <Icon name="rotate-ccw" />
          Turn on again
        </button>
      </PostForm>
      <button type="button" class="button ghost danger" popovertarget={`delete-link-${l.id}`}>
        <Icon name="trash-2" />
        Delete
      </button>
      <ConfirmPost
        id={`delete-link-${l.id}`}
        heading={`Delete ${name}?`}
        text="It is removed for good, with its views and downloads, and it cannot be turned on again."
        button="Delete"
        action={action('delete')}
        htmx={htmx}
      />
    </>
  );
}

function LinkRow({ l, fresh }: { l: LinkView; fresh: boolean }) {
  const open = l.status !== 'revoked';
  return (
    <li class={`link-row status-${l.status}${fresh ? ' fresh' : ''}`} id={`link-${l.id}`}>
      <div class="link-head">
        <strong>{l.label || 'Link'}</strong>
        <StatusPill l={l} />
      </div>
      <p class="muted small">{linkSummary(l)}</p>
      <p class="muted small">{linkCounters(l)}</p>
      {open && <LinkAddress l={l} />}
      <div class="actions start">
        {open && (
          <details class="qr">
            <summary class="button ghost">
              <Icon name="qr-code" />
              QR code
            </summary>
            <img src={`/links/${l.id}/qr.svg`} width={200} height={200} alt={`QR code for ${l.label || 'the link'}`} loading="lazy" />
          </details>
        )}
        {open && (
          <details class="link-edit">
            <summary class="button ghost">
              <Icon name="pencil" />
              Edit
            </summary>
            <form method="post" action={`/links/${l.id}/edit`} hx-post={`/links/${l.id}/edit`} hx-target="#share-links" hx-swap="outerHTML">
              <LinkFields idPrefix={`edit-${l.id}`} link={l} />
              <div class="actions">
                <button type="submit" class="primary">
                  Save
                </button>
              </div>
            </form>
          </details>
        )}
        <LinkSwitch l={l} on="sheet" />
      </div>
    </li>
  );
}

/** The list of links and the new-link form: the part htmx replaces. */
export function ShareLinks({ albumId, links, error, freshId }: { albumId: string; links: LinkView[]; error?: string; freshId?: string }) {
  return (
    <div id="share-links">
      {links.length ? (
        <ul class="link-list">
          {links.map((l) => (
            <LinkRow l={l} fresh={l.id === freshId} />
          ))}
        </ul>
      ) : (
        <p class="muted">No links yet. Anyone with a link can see this album, and nothing else.</p>
      )}
      <details class="new-link" open={links.length === 0 || error !== undefined}>
        <summary class="button primary">
          <Icon name="link" />
          New link
        </summary>
        <form method="post" action={`/albums/${albumId}/share`} hx-post={`/albums/${albumId}/share`} hx-target="#share-links" hx-swap="outerHTML">
          <h3 class="new-link-title">New link</h3>
          <FormError message={error} />
          <LinkFields idPrefix="new-link" />
          <div class="actions">
            {links.length > 0 && (
              <button type="button" data-close-details>
                Cancel
              </button>
            )}
            <button type="submit" class="primary">
              Create link
            </button>
          </div>
        </form>
      </details>
    </div>
  );
}

/** The popover on the album page; the links come in when it opens (htmx). */
export function ShareSheet({ albumId }: { albumId: string }) {
  return (
    <div id="share-sheet" popover="auto" class="sheet share-sheet" role="dialog" aria-labelledby="share-heading">
      <div class="sheet-head">
        <h2 id="share-heading">Share album</h2>
        <button type="button" class="button icon-button" popovertarget="share-sheet" popovertargetaction="hide" aria-label="Close">
          <Icon name="x" />
        </button>
      </div>
      <div hx-get={`/albums/${albumId}/share`} hx-trigger="toggle from:#share-sheet" hx-swap="innerHTML">
        <p class="muted">Loading…</p>
      </div>
    </div>
  );
}
