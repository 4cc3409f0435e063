// Settings: the owner's sessions, API tokens and uploader accounts.
import type { ApiToken, Session, User } from '../../src/db/schema.ts';
import type { QueuedWork } from '../../src/queries/jobs.ts';
import type { IntegrityProblem, IntegritySummary } from '../../src/queries/integrity.ts';
import { plural } from '../parts/dates.ts';
import { Page } from '../layouts/page.tsx';
import { FormError } from '../parts/form.tsx';
import { TopBar } from '../parts/top-bar.tsx';
import { describeDevice, timeAgo } from '../parts/format.ts';

export interface SettingsProps {
  user: User;
  currentSessionId?: string;
  sessions: Session[];
  tokens: ApiToken[];
  newToken?: { name: string; token: string };
  uploaders: { user: User; albumIds: string[] }[];
  albums: { id: string; title: string }[];
  error?: string;
  /** The error is about the password form: the page opens at it. */
  passwordError?: boolean;
  notice?: string;
  work: {
    /** Running first, then waiting, in the order they will run. */
    queue: QueuedWork[];
    /** All work running or waiting (the list shows the first of it). */
    backlog: number;
    ffmpegMissing: boolean;
    /** Videos without a web copy because ffmpeg is missing. */
    waitingForFfmpeg: number;
  };
  integrity: { summary: IntegritySummary; problems: IntegrityProblem[]; scrubOff: boolean };
}

const PROBLEM_WORDS: Record<IntegrityProblem['integrity'], string> = {
  mismatch: 'Its bytes have changed since it was stored (damaged on disk)',
  missing: 'The file is missing from disk',
  unreadable: 'The file could not be read',
};

function IntegritySection({ summary, problems, scrubOff }: SettingsProps['integrity']) {
  return (
    <section class="card" aria-labelledby="integrity-heading">
      <h2 id="integrity-heading">Integrity of the originals</h2>
      {problems.length > 0 && (
        <>
          <p class="notice error" role="alert">
            {plural(summary.problems, 'original')} {summary.problems === 1 ? 'is' : 'are'} damaged or missing. Nothing was changed or deleted. Copy{' '}
            {summary.problems === 1 ? 'it' : 'each'} back from your backup (<code>shoebox backup</code> keeps it under the same path) into DATA_DIR; the next check,
            within the hour, clears the warning.
          </p>
          <ul class="rows integrity-problems">
            {problems.map((f) => (
              <li class="row" data-integrity={f.integrity}>
                <span class="grow">
                  <strong class="work-file">{f.original_filename}</strong>
                  <span class="muted">
                    {' '}
                    · {PROBLEM_WORDS[f.integrity]} · {f.albums.length ? `in ${f.albums.join(', ')}` : 'in no album'} · found {timeAgo(f.checked_at)}
                  </span>
                  <br />
                  <small class="muted file-path">
                    <code>{f.storage_path}</code>
                  </small>
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
      <p class="muted">
        {scrubOff
          ? 'The daily check is off (SCRUB_BYTES_PER_DAY=0).'
          : `Every day Shoebox re-reads a slice of the originals and compares each with the checksum it had when stored. ${summary.checkedEver} of ${plural(summary.originals, 'original')} checked so far`}
        {!scrubOff && summary.lastCheckedAt ? `, the latest ${timeAgo(summary.lastCheckedAt)}` : ''}
        {!scrubOff && '.'}
        {!scrubOff && summary.problems === 0 && summary.checkedEver > 0 ? ' All of them match.' : ''}
      </p>
    </section>
  );
}

const WORK_NAMES: Record<QueuedWork['kind'], string> = { derive: 'Thumbnails', transcode: 'Video for the web', scrub: 'Integrity check' };

function WorkRow({ w }: { w: QueuedWork }) {
  const state = w.status === 'running' ? (w.progress !== null ? `${Math.floor(w.progress * 100)} %` : 'running') : w.attempts > 0 ? 'waiting to try again' : 'waiting';
  return (
    <li class="row" data-kind={w.kind} data-status={w.status}>
      <span class="grow">
        <strong class="work-file">{w.original_filename}</strong>
        <span class="muted"> · {WORK_NAMES[w.kind]} · {state}</span>
      </span>
      {w.kind === 'transcode' && (
        <form method="post" action={`/settings/transcodes/${w.asset_id}/cancel`}>
          <button type="submit" aria-label={`Cancel the web copy of ${w.original_filename}`}>
            Cancel
          </button>
        </form>
      )}
    </li>
  );
}

export function SettingsPage(p: SettingsProps) {
  return (
    <Page title="Settings">
      <TopBar user={p.user} title="Settings" back="/" />
      <main class="shell settings">
        <FormError message={p.error} />
        {p.notice && (
          <p class="notice" role="status">
            {p.notice}
          </p>
        )}
        <section class="card">
          <h2>Account</h2>
          <p>
            Signed in as <strong>{p.user.email}</strong> ({p.user.role}).
          </p>
          <form method="post" action="/logout">
            <button type="submit">Sign out</button>
          </form>
          <details class="password-change" open={p.passwordError}>
            <summary>Change password</summary>
            <form method="post" action="/settings/password" class="stack-form">
              <div class="field">
                <label for="current-password">Current password</label>
                <input id="current-password" name="currentPassword" type="password" required autocomplete="current-password" />
              </div>
              <div class="field">
                <label for="new-password">New password (at least 10 characters)</label>
                <input id="new-password" name="newPassword" type="password" required minlength={10} autocomplete="new-password" />
              </div>
              <p class="hint">Your other devices are signed out; this one stays signed in.</p>
              <button type="submit" class="primary">
                Change password
              </button>
            </form>
          </details>
        </section>
        <section class="card">
          <h2>Shared links</h2>
          <p>
            Every link to your albums, with its views and downloads: <a href="/links">see them all</a>.
          </p>
        </section>

        <section class="card" aria-labelledby="sessions-heading">
          <h2 id="sessions-heading">Where you're signed in</h2>
          <ul class="rows">
            {p.sessions.map((s) => (
              <li class="row">
                <div class="grow">
                  <strong>{describeDevice(s.user_agent)}</strong>
                  {s.id === p.currentSessionId && <span class="tag">This device</span>}
                  <div class="muted">
                    Last seen {timeAgo(s.last_seen_at)}
                    {s.ip ? ` · ${s.ip}` : ''} · signed in {timeAgo(s.created_at)}
                  </div>
                </div>
                {s.id !== p.currentSessionId && (
                  <form method="post" action={`/settings/sessions/${s.id}/end`}>
                    <button type="submit" aria-label={`Sign out ${describeDevice(s.user_agent)}`}>
                      Sign out
                    </button>
                  </form>
                )}
              </li>
            ))}
          </ul>
          {p.sessions.length > 1 && (
            <form method="post" action="/settings/sessions/end-others">
              <button type="submit" class="danger">
                Sign out everywhere else
              </button>
            </form>
          )}
        </section>

        <section class="card" aria-labelledby="tokens-heading">
          <h2 id="tokens-heading">API tokens</h2>
          <p class="muted">
            For scripts and the import tool: send it as "Authorization: Bearer &lt;token&gt;". A token cannot make or revoke tokens; only
            you, signed in here, can.
          </p>
          {p.newToken && (
            <div class="secret-box" role="status">
              <p>
                New token <strong>{p.newToken.name}</strong>. Copy it now: it will not be shown again.
              </p>
              <input type="text" readonly value={p.newToken.token} aria-label="New API token" class="mono" />
            </div>
          )}
          <ul class="rows">
            {p.tokens.map((t) => (
              <li class="row">
                <div class="grow">
                  <strong>{t.name}</strong>
                  {t.scopes.includes('metrics') && !t.scopes.includes('api') && <span class="tag">Metrics only</span>}
                  {t.revoked_at && <span class="tag danger">Revoked</span>}
                  <div class="muted">
                    Created {timeAgo(t.created_at)} · last used {timeAgo(t.last_used_at)}
                  </div>
                </div>
                {!t.revoked_at && (
                  <form method="post" action={`/settings/tokens/${t.id}/revoke`}>
                    <button type="submit" class="danger" aria-label={`Revoke token ${t.name}`}>
                      Revoke
                    </button>
                  </form>
                )}
              </li>
            ))}
          </ul>
          <form method="post" action="/settings/tokens" class="inline-form">
            <label for="token-name" class="visually-hidden">
              Token name
            </label>
            <input id="token-name" name="name" type="text" required maxlength={100} placeholder="Name, e.g. laptop import" />
            <label for="token-scope" class="visually-hidden">
              What the token may do
            </label>
            <select id="token-scope" name="scope">
              <option value="api" selected>
                Scripts and uploads (the API)
              </option>
              <option value="metrics">Metrics only</option>
            </select>
            <button type="submit" class="primary">
              Create token
            </button>
          </form>
        </section>

        <section class="card" aria-labelledby="work-heading">
          <h2 id="work-heading">Background work</h2>
          {p.work.ffmpegMissing && (
            <p class="notice warn" role="note">
              ffmpeg is not installed, so videos that browsers cannot play as uploaded (an iPhone's HEVC, AVI, MTS, MKV) get no web copy
              {p.work.waitingForFfmpeg ? `: ${plural(p.work.waitingForFfmpeg, 'video')} will not play for some guests` : ' and will not play for some guests'} until it is. Install
              ffmpeg and restart Shoebox; the copies are then made.
            </p>
          )}
          {p.work.queue.length === 0 ? (
            <p class="muted">Nothing waiting: thumbnails and video copies are all made.</p>
          ) : (
            <ul class="rows work-queue">
              {p.work.queue.map((w) => (
                <WorkRow w={w} />
              ))}
            </ul>
          )}
          {p.work.backlog > p.work.queue.length && <p class="muted">and {plural(p.work.backlog - p.work.queue.length, 'more item')} waiting</p>}
        </section>

        <IntegritySection {...p.integrity} />

        <section class="card" aria-labelledby="uploaders-heading">
          <h2 id="uploaders-heading">Uploaders</h2>
          <p class="muted">People who can add photos to the albums you choose, and see nothing else.</p>
          <ul class="rows">
            {p.uploaders.map(({ user, albumIds }) => (
              <li class="row column">
                <div class="row-head">
                  <strong class="grow">{user.email}</strong>
                  <form method="post" action={`/settings/uploaders/${user.id}/delete`}>
                    <button type="submit" class="danger" aria-label={`Delete uploader ${user.email}`}>
                      Delete
                    </button>
                  </form>
                </div>
                <form method="post" action={`/settings/uploaders/${user.id}/albums`}>
                  <fieldset>
                    <legend class="muted">Albums they can upload into</legend>
                    {p.albums.length === 0 && <p class="muted">No albums yet.</p>}
                    {p.albums.map((a) => (
                      <label class="check">
                        <input type="checkbox" name="albumId" value={a.id} checked={albumIds.includes(a.id)} /> {a.title}
                      </label>
                    ))}
                  </fieldset>
                  {p.albums.length > 0 && <button type="submit">Save albums</button>}
                </form>
              </li>
            ))}
          </ul>
          <form method="post" action="/settings/uploaders" class="stack-form">
            <div class="field">
              <label for="uploader-email">Email</label>
              <input id="uploader-email" name="email" type="email" required autocomplete="off" />
            </div>
            <div class="field">
              <label for="uploader-password">Password (at least 10 characters)</label>
              <input id="uploader-password" name="password" type="password" required minlength={10} autocomplete="new-password" />
            </div>
            <button type="submit" class="primary">
              Add uploader
            </button>
          </form>
        </section>
      </main>
    </Page>
  );
}
