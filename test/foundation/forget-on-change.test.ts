// The guest caches are emptied by requests that changed something, not by any POST: a
// refused one (anyone can send those by the thousand) leaves them as they are.
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { forgetOnChange, onlyAdds } from '../../src/http/forget-on-change.ts';

function appWithCache() {
  const cache = { cleared: 0, clear() {
    this.cleared++;
  } };
  const app = new Hono();
  app.onError((err, c) => c.text(err.message, err instanceof HTTPException ? err.status : 500));
  app.use(forgetOnChange([cache], { unless: onlyAdds }));
  app.post('/made', (c) => c.text('made', 201));
  app.post('/refused', () => {
    throw new HTTPException(403, { message: 'no' });
  });
  app.post('/broke', () => {
    throw new Error('half done');
  });
  app.get('/read', (c) => c.text('read'));
  for (const path of ['/api/assets/upload', '/api/uploads', '/api/uploads/abc', '/api/share/tok/upload', '/api/share/tok/uploads/abc']) {
    app.on(['POST', 'PATCH'], path, (c) => c.text('stored', 201));
  }
  return { app, cache };
}

describe('forgetOnChange', () => {
  it('clears after a change that succeeded, or that failed on our side part way, never after a refusal or a read', async () => {
    const { app, cache } = appWithCache();
    expect((await app.request('/read')).status).toBe(200);
    expect((await app.request('/refused', { method: 'POST' })).status).toBe(403);
    expect(cache.cleared).toBe(0);
    expect((await app.request('/made', { method: 'POST' })).status).toBe(201);
    expect(cache.cleared).toBe(1);
    expect((await app.request('/broke', { method: 'POST' })).status).toBe(500);
    expect(cache.cleared).toBe(2);
  });

  it('leaves them after uploads: they only add items, and nothing cached became wrong', async () => {
    const { app, cache } = appWithCache();
    for (const [method, path] of [['POST', '/api/assets/upload'], ['POST', '/api/uploads'], ['PATCH', '/api/uploads/abc'], ['POST', '/api/share/tok/upload'], ['PATCH', '/api/share/tok/uploads/abc']]) {
      expect((await app.request(path!, { method })).status).toBe(201);
    }
    expect(cache.cleared).toBe(0);
  });
});
