// Every route the app registers (method and path pattern), each once: what the
// authorization tests walk instead of a hand-kept list.
import type { createApp } from '../../src/app.ts';

export function registeredRoutes(app: ReturnType<typeof createApp>): { method: string; path: string }[] {
  const seen = new Set<string>();
  return app.routes
    .filter((r) => r.method !== 'ALL')
    .filter((r) => {
      const key = `${r.method} ${r.path}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((r) => ({ method: r.method, path: r.path }));
}
