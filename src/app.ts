// Builds the Hono app from its parts. Takes every dependency, so tests can build one.
import { Hono } from 'hono';
import { compress } from 'hono/compress';
import { onError, onNotFound } from './http/errors.tsx';
import { requestLog } from './http/request-log.ts';
import type { AppDeps, AppEnv } from './http/env.ts';
import { healthRoutes } from './routes/health.ts';
import { pageRoutes } from './routes/pages.tsx';
import { staticRoutes } from './routes/static.ts';
import { staticFiles } from './static-files.ts';

export function createApp(deps: AppDeps): Hono<AppEnv> {
  staticFiles(); // read (and fail) at start, not on the first request
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set('deps', deps);
    await next();
  });
  app.use(requestLog());
  app.onError(onError);
  app.notFound(onNotFound);

  app.route('/', staticRoutes);
  app.route('/', healthRoutes);
  app.use(compress());
  app.route('/', pageRoutes);
  return app;
}
