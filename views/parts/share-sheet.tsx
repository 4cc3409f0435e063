// The album's share sheet: its links (copy, QR, counters, edit, revoke, delete) and a
// form for a new one. Rendered whole by the server and swapped in by htmx after each
// change; every form also works as a plain POST that comes back to the album page.
import type { LinkView } from '../../src/sharing/link-view.ts';
import { FormError } from './form.tsx';
import { Icon } from './icons.tsx';

const STATUS_LABEL = { active: 'Active', expired: 'Expired', revoked: 'Turned off' } as const;

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

function LinkRow({ l, fresh }: { l: LinkView; fresh: boolean }) {
  const open = l.status !== 'revoked';
  return (
    <li class={`link-row status-${l.status}${fresh ? ' fresh' : ''}`} id={`link-${l.id}`}>
      <div class="link-head">
        <strong>{l.label || 'Link'}</strong>
        <span class={`pill ${l.status}`}>{STATUS_LABEL[l.status]}</span>
      </div>
      <p class="muted small">{linkSummary(l)}</p>
      <p class="muted small">{linkCounters(l)}</p>
      {open && (
        <div class="link-url">
          <input type="text" readonly value={l.url} aria-label="Link address" id={`link-url-${l.id}`} />
          <button type="button" class="button" data-copy={`#link-url-${l.id}`}>
            <Icon name="copy" />
            <span>Copy</span>
          </button>
        </div>
      )}
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
        {open ? (
          <form method="post" action={`/links/${l.id}/revoke`} hx-post={`/links/${l.id}/revoke`} hx-target="#share-links" hx-swap="outerHTML">
            <button type="submit" class="button ghost danger">
              <Icon name="ban" />
              Turn off
            </button>
          </form>
        ) : (
          <form method="post" action={`/links/${l.id}/delete`} hx-post={`/links/${l.id}/delete`} hx-target="#share-links" hx-swap="outerHTML">
            <button type="submit" class="button ghost danger">
              <Icon name="trash-2" />
              Delete
            </button>
          </form>
        )}
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
          <FormError message={error} />
          <LinkFields idPrefix="new-link" />
          <div class="actions">
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
