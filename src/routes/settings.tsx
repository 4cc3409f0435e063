// The owner's settings: sessions, API tokens and uploaders — a page with forms, and JSON.
import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import { SettingsPage, type SettingsProps } from '../../views/pages/settings.tsx';
import { AccountError, changePassword, createUploader, Credentials, PasswordChange, publicUser } from '../auth/accounts.ts';
import { attemptLogin } from './auth.tsx';
import { createApiToken } from '../auth/api-tokens.ts';
import { TOKEN_SCOPES, type ApiToken, type Session } from '../db/schema.ts';
import { existingAlbumIds, listAlbumTitles } from '../queries/albums.ts';
import { setPlayback } from '../queries/assets.ts';
import { integritySummary, listIntegrityProblems } from '../queries/integrity.ts';
import { cancelJob, countBacklog, countCopiesWithoutFfmpeg, listQueuedWork } from '../queries/jobs.ts';
import { listApiTokens, revokeApiToken } from '../queries/api-tokens.ts';
import { deleteUserSession, deleteUserSessions, listUserSessions } from '../queries/sessions.ts';
import { deleteUploader, findUserById, listUploaderAlbumIds, listUploaders, setUploaderAlbums } from '../queries/users.ts';
import { currentUser } from '../http/auth.ts';
import type { AppEnv } from '../http/env.ts';
import { httpError } from '../http/errors.tsx';
import { describeIssues, parseInput, readForm, readJson, Uuid } from '../http/validate.ts';

const Scopes = v.pipe(
  v.array(v.picklist(TOKEN_SCOPES, `scopes are ${TOKEN_SCOPES.join(' and ')}`), 'scopes must be a list'),
  v.minLength(1, 'give the token a scope'),
);
const TokenInput = v.object({
  name: v.pipe(v.string('name is required'), v.trim(), v.nonEmpty('name is required'), v.maxLength(100, 'name is too long')),
  scopes: v.optional(Scopes, ['api']),
});
const AlbumIds = v.object({ albumIds: v.pipe(v.array(Uuid, 'albumIds must be a list of album ids'), v.maxLength(10_000)) });

const db = (c: Context<AppEnv>) => c.get('deps').database.db;
/** The background work Settings lists; the rest is counted. */
const QUEUE_SHOWN = 20;

async function settingsProps(c: Context<AppEnv>, extra: Partial<SettingsProps> = {}): Promise<SettingsProps> {
  const user = currentUser(c);
  const worker = c.get('deps').worker;
  const [sessions, tokens, uploaders, albums, queue, backlog, waitingForFfmpeg, summary, problems] = await Promise.all([
    listUserSessions(db(c), user.id),
    listApiTokens(db(c), user.id),
    listUploaders(db(c)),
    listAlbumTitles(db(c)),
    listQueuedWork(db(c), QUEUE_SHOWN),
    countBacklog(db(c)),
    worker && !worker.makesVideoCopies ? countCopiesWithoutFfmpeg(db(c)) : Promise.resolve(0),
    integritySummary(db(c)),
    listIntegrityProblems(db(c)),
  ]);
  return {
    user,
    currentSessionId: c.get('auth')?.sessionId,
    sessions,
    tokens,
    uploaders: await Promise.all(uploaders.map(async (u) => ({ user: u, albumIds: await listUploaderAlbumIds(db(c), u.id) }))),
    albums,
    work: { queue, backlog, ffmpegMissing: worker !== undefined && !worker.makesVideoCopies, waitingForFfmpeg },
    integrity: { summary, problems, scrubOff: c.get('deps').config.scrubBytesPerDay <= 0 },
    ...extra,
  };
}

type PasswordChangeResult = { ended: number } | { status: 400 | 401 | 429; error: string; retryAfter?: number };

/**
 * The signed-in user's own password: the current one is checked as a sign-in is (counted
 * per client, slowed per account), so a session left open on a shared computer cannot be
 * used to guess it. Other devices are signed out; this one stays signed in.
 */
async function changeOwnPassword(c: Context<AppEnv>, input: unknown): Promise<PasswordChangeResult> {
  const parsed = v.safeParse(PasswordChange, input);
  if (!parsed.success) return { status: 400, error: describeIssues(parsed.issues) };
  const user = currentUser(c);
  const check = await attemptLogin(c, user.email, parsed.output.currentPassword);
  if ('status' in check) {
    return check.status === 401 ? { status: 401, error: 'The current password is not right.' } : check;
  }
  return { ended: await changePassword(db(c), user.id, parsed.output.newPassword, c.get('auth')?.sessionId) };
}

const publicSession = (s: Session, currentId?: string) => ({
  id: s.id,
  userAgent: s.user_agent,
  ip: s.ip,
  createdAt: s.created_at.toISOString(),
  lastSeenAt: s.last_seen_at.toISOString(),
  current: s.id === currentId,
});

const publicToken = (t: ApiToken) => ({
  id: t.id,
  name: t.name,
  createdAt: t.created_at.toISOString(),
  lastUsedAt: t.last_used_at?.toISOString() ?? null,
  revoked: t.revoked_at !== null,
  scopes: t.scopes,
});

async function uploaderOr404(c: Context<AppEnv>, id: string) {
  const user = v.is(Uuid, id) ? await findUserById(db(c), id) : undefined;
  if (!user || user.role !== 'uploader') throw httpError(404, 'no such uploader');
  return user;
}

async function grantAlbums(c: Context<AppEnv>, userId: string, albumIds: string[]) {
  const existing = await existingAlbumIds(db(c), albumIds);
  if (existing.length !== new Set(albumIds).size) throw httpError(400, 'albumIds: some of these albums do not exist');
  await setUploaderAlbums(db(c), userId, existing);
}

const back = (c: Context<AppEnv>) => c.redirect('/settings', 303);

/** Session and API token ids are base32 (auth/secrets.ts): anything else (a NUL byte, say) names none and never reaches the database. */
const isTokenId = (id: string) => /^[a-z2-7]{1,64}$/.test(id);

export const settingsRoutes = new Hono<AppEnv>()
  // Page and its forms
  .get('/settings', async (c) => c.html(<SettingsPage {...await settingsProps(c)} />))
  .post('/settings/sessions/end-others', async (c) => {
    await deleteUserSessions(db(c), currentUser(c).id, c.get('auth')?.sessionId);
    return back(c);
  })
  .post('/settings/sessions/:id/end', async (c) => {
    if (isTokenId(c.req.param('id'))) await deleteUserSession(db(c), currentUser(c).id, c.req.param('id'));
    return back(c);
  })
  .post('/settings/password', async (c) => {
    const result = await changeOwnPassword(c, await readForm(c));
    if ('status' in result) {
      if (result.retryAfter) c.header('Retry-After', String(result.retryAfter));
      return c.html(<SettingsPage {...await settingsProps(c, { error: result.error, passwordError: true })} />, result.status);
    }
    const others = result.ended === 1 ? '1 other device was' : `${result.ended} other devices were`;
    return c.html(<SettingsPage {...await settingsProps(c, { notice: `Password changed. ${others} signed out; this one stays signed in.` })} />);
  })
  // A video's web copy, waiting or being made, stopped: the original then plays where it can.
  .post('/settings/transcodes/:assetId/cancel', async (c) => {
    const id = c.req.param('assetId').toLowerCase();
    if (!v.is(Uuid, id)) throw httpError(404, 'no such video');
    const cancelled = await db(c).transaction().execute(async (trx) => {
      if (!(await cancelJob(trx, 'transcode', id))) return false;
      await setPlayback(trx, id, 'none');
      return true;
    });
    if (!cancelled) throw httpError(409, 'this video is not being prepared any more');
    return back(c);
  })
  .post('/settings/tokens', async (c) => {
    const form = await readForm(c);
    const input = v.safeParse(TokenInput, { name: form.name, scopes: [form.scope ?? 'api'] });
    if (!input.success) return c.html(<SettingsPage {...await settingsProps(c, { error: describeIssues(input.issues) })} />, 400);
    const { token } = await createApiToken(db(c), currentUser(c).id, input.output.name, input.output.scopes);
    return c.html(<SettingsPage {...await settingsProps(c, { newToken: { name: input.output.name, token } })} />, 201);
  })
  .post('/settings/tokens/:id/revoke', async (c) => {
    if (isTokenId(c.req.param('id'))) await revokeApiToken(db(c), currentUser(c).id, c.req.param('id'));
    return back(c);
  })
  .post('/settings/uploaders', async (c) => {
    const input = v.safeParse(Credentials, await readForm(c));
    if (!input.success) return c.html(<SettingsPage {...await settingsProps(c, { error: describeIssues(input.issues) })} />, 400);
    try {
      await createUploader(db(c), input.output.email, input.output.password);
    } catch (err) {
      if (!(err instanceof AccountError)) throw err;
      return c.html(<SettingsPage {...await settingsProps(c, { error: err.message })} />, 409);
    }
    return back(c);
  })
  .post('/settings/uploaders/:id/delete', async (c) => {
    await deleteUploader(db(c), (await uploaderOr404(c, c.req.param('id'))).id);
    return back(c);
  })
  .post('/settings/uploaders/:id/albums', async (c) => {
    const user = await uploaderOr404(c, c.req.param('id'));
    const form = await c.req.parseBody({ all: true }).catch(() => {
      throw httpError(400, 'malformed form body');
    });
    const raw = form.albumId;
    const ids = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((x): x is string => typeof x === 'string');
    await grantAlbums(c, user.id, parseInput(AlbumIds, { albumIds: ids }).albumIds);
    return back(c);
  })

  // JSON
  .get('/api/sessions', async (c) => {
    const sessions = await listUserSessions(db(c), currentUser(c).id);
    return c.json({ sessions: sessions.map((s) => publicSession(s, c.get('auth')?.sessionId)) });
  })
  .post('/api/sessions/end-others', async (c) => {
    const ended = await deleteUserSessions(db(c), currentUser(c).id, c.get('auth')?.sessionId);
    return c.json({ ended });
  })
  .delete('/api/sessions/:id', async (c) => {
    const id = c.req.param('id');
    if (!isTokenId(id) || !(await deleteUserSession(db(c), currentUser(c).id, id))) throw httpError(404, 'no such session');
    return c.body(null, 204);
  })
  .post('/api/me/password', async (c) => {
    const result = await changeOwnPassword(c, await readJson(c, v.unknown()));
    if ('status' in result) {
      if (result.retryAfter) c.header('Retry-After', String(result.retryAfter));
      return c.json({ error: result.error }, result.status);
    }
    return c.json({ sessionsEnded: result.ended });
  })
  .get('/api/tokens', async (c) => c.json({ tokens: (await listApiTokens(db(c), currentUser(c).id)).map(publicToken) }))
  .post('/api/tokens', async (c) => {
    const { name, scopes } = await readJson(c, TokenInput);
    const { token, row } = await createApiToken(db(c), currentUser(c).id, name, scopes);
    return c.json({ ...publicToken(row), token }, 201);
  })
  .delete('/api/tokens/:id', async (c) => {
    const id = c.req.param('id');
    if (!isTokenId(id) || !(await revokeApiToken(db(c), currentUser(c).id, id))) throw httpError(404, 'no such active token');
    return c.body(null, 204);
  })
  .get('/api/users', async (c) => {
    const uploaders = await listUploaders(db(c));
    return c.json({
      users: await Promise.all(uploaders.map(async (u) => ({ ...publicUser(u), albumIds: await listUploaderAlbumIds(db(c), u.id) }))),
    });
  })
  .post('/api/users', async (c) => {
    const input = await readJson(c, Credentials);
    try {
      const user = await createUploader(db(c), input.email, input.password);
      return c.json({ user: { ...publicUser(user), albumIds: [] } }, 201);
    } catch (err) {
      if (err instanceof AccountError) throw httpError(409, err.message);
      throw err;
    }
  })
  .delete('/api/users/:id', async (c) => {
    await deleteUploader(db(c), (await uploaderOr404(c, c.req.param('id'))).id);
    return c.body(null, 204);
  })
  .put('/api/users/:id/albums', async (c) => {
    const user = await uploaderOr404(c, c.req.param('id'));
    const { albumIds } = await readJson(c, AlbumIds);
    await grantAlbums(c, user.id, albumIds);
    return c.json({ user: { ...publicUser(user), albumIds: await listUploaderAlbumIds(db(c), user.id) } });
  });
