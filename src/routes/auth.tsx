// Sign-in, sign-out and first-run setup, as pages (forms) and as JSON.
import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import { LoginPage, SetupPage } from '../../views/pages/sign-in.tsx';
import { AccountError, checkCredentials, createOwner, Credentials, LoginInput, publicUser } from '../auth/accounts.ts';
import { createSession, invalidateSession } from '../auth/sessions.ts';
import type { User } from '../db/schema.ts';
import { ownerExists } from '../queries/users.ts';
import { clearSessionCookie, currentUser, setSessionCookie } from '../http/auth.ts';
import { clientIp, clientKey } from '../http/client-ip.ts';
import type { AppEnv } from '../http/env.ts';
import { httpError } from '../http/errors.tsx';
import { describeIssues, readForm, readJson } from '../http/validate.ts';

const WRONG_CREDENTIALS = 'Wrong email or password.';

type LoginResult = { user: User } | { status: 401 | 429; error: string; retryAfter?: number };

/** Counts the attempt for the client and waits the account's turn (auth/attempt-guard.ts), then checks the password. */
export async function attemptLogin(c: Context<AppEnv>, email: string, password: string): Promise<LoginResult> {
  const attempt = await c.get('limits').login.enter(clientKey(c), email.trim().toLowerCase());
  if ('refused' in attempt) {
    const { retryAfter } = attempt.refused;
    return { status: 429, error: `Too many sign-in attempts. Try again in ${retryAfter} s.`, retryAfter };
  }
  const user = await checkCredentials(c.get('deps').database.db, email.trim(), password);
  if (!user) {
    attempt.failed();
    return { status: 401, error: WRONG_CREDENTIALS };
  }
  return { user };
}

async function startSession(c: Context<AppEnv>, user: User) {
  const { token } = await createSession(c.get('deps').database.db, user.id, {
    userAgent: c.req.header('user-agent') ?? null,
    ip: clientIp(c),
  });
  setSessionCookie(c, token);
}

async function endSession(c: Context<AppEnv>) {
  const sessionId = c.get('auth')?.sessionId;
  if (sessionId) await invalidateSession(c.get('deps').database.db, sessionId);
  clearSessionCookie(c);
}

/** Only same-site paths: never redirect to another host after sign-in. */
function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])/.test(next) ? next : '/';
}

async function setupOpen(c: Context<AppEnv>) {
  if (await ownerExists(c.get('deps').database.db)) throw httpError(404, 'This page does not exist.');
}

export const authRoutes = new Hono<AppEnv>()
  .get('/login', (c) => {
    if (c.get('auth')) return c.redirect(safeNext(c.req.query('next')), 302);
    return c.html(<LoginPage next={safeNext(c.req.query('next'))} />);
  })
  .post('/login', async (c) => {
    const form = await readForm(c);
    const email = (form.email ?? '').trim();
    const next = safeNext(form.next);
    const input = v.safeParse(LoginInput, form);
    if (!input.success) return c.html(<LoginPage email={email} next={next} error={describeIssues(input.issues)} />, 400);
    const result = await attemptLogin(c, input.output.email, input.output.password);
    if ('user' in result) {
      await startSession(c, result.user);
      return c.redirect(next, 303);
    }
    if (result.retryAfter) c.header('Retry-After', String(result.retryAfter));
    return c.html(<LoginPage email={email} next={next} error={result.error} />, result.status);
  })
  .post('/logout', async (c) => {
    await endSession(c);
    return c.redirect('/login', 303);
  })
  .get('/setup', async (c) => {
    await setupOpen(c);
    return c.html(<SetupPage />);
  })
  .post('/setup', async (c) => {
    await setupOpen(c);
    const form = await readForm(c);
    const input = v.safeParse(Credentials, form);
    if (!input.success) return c.html(<SetupPage email={form.email} error={describeIssues(input.issues)} />, 400);
    try {
      const user = await createOwner(c.get('deps').database.db, input.output.email, input.output.password);
      await startSession(c, user);
      return c.redirect('/', 303);
    } catch (err) {
      if (err instanceof AccountError) throw httpError(404, 'This page does not exist.');
      throw err;
    }
  })
  .post('/api/setup', async (c) => {
    await setupOpen(c);
    const input = await readJson(c, Credentials);
    try {
      const user = await createOwner(c.get('deps').database.db, input.email, input.password);
      await startSession(c, user);
      return c.json({ user: publicUser(user) }, 201);
    } catch (err) {
      if (err instanceof AccountError) throw httpError(404, 'not found');
      throw err;
    }
  })
  .post('/api/auth/login', async (c) => {
    const input = await readJson(c, LoginInput);
    const result = await attemptLogin(c, input.email, input.password);
    if ('user' in result) {
      await startSession(c, result.user);
      return c.json({ user: publicUser(result.user) });
    }
    if (result.retryAfter) c.header('Retry-After', String(result.retryAfter));
    return c.json({ error: result.error }, result.status);
  })
  .post('/api/auth/logout', async (c) => {
    await endSession(c);
    return c.body(null, 204);
  })
  .get('/api/me', (c) => c.json({ user: publicUser(currentUser(c)) }));
