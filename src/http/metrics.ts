// GET /metrics in the Prometheus text format (prom-client), when METRICS=on: requests and
// their latency by route group, upload and download bytes, ZIPs running, the job queue by
// kind, the originals' count and bytes, and how far the integrity scrub has come. Answered
// only to a bearer token with the `metrics` scope, or to a peer on loopback that came through
// no proxy (no X-Forwarded-For): a Prometheus on the same machine.
import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { collectDefaultMetrics, Gauge } from 'prom-client';
import { latency, registry, requests } from '../metrics/counters.ts';
import { sql } from 'kysely';
import type { AppEnv } from './env.ts';
import { JOB_KINDS } from '../db/schema.ts';
import { integritySummary } from '../queries/integrity.ts';
import type { Db } from '../queries/users.ts';

/** The groups requests are counted in: few and fixed, never a path with an id in it. */
export function routeGroup(path: string): string {
  if (path.startsWith('/static/')) return 'static';
  if (path.startsWith('/media/')) return 'media';
  if (path.startsWith('/s/') || path.startsWith('/api/share/')) return 'share';
  if (path === '/api/uploads' || path.startsWith('/api/uploads/') || path === '/api/assets/upload') return 'upload';
  if (path.includes('download')) return 'download';
  if (path === '/healthz' || path === '/metrics') return 'health';
  if (path.startsWith('/api/')) return 'api';
  return 'pages';
}

export function countRequests(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!c.get('deps').config.metrics) return next();
    const group = routeGroup(c.req.path);
    const end = latency.startTimer({ group });
    try {
      await next();
    } finally {
      end();
      requests.inc({ group, method: c.req.method, status: `${String(c.res.status)[0]}xx` });
    }
  };
}

/** Gauges read from the database when scraped. */
function databaseGauges(db: () => Db) {
  new Gauge({
    name: 'shoebox_jobs',
    help: 'Background jobs by kind and state (queued, running, failed)',
    labelNames: ['kind', 'status'],
    registers: [registry],
    async collect() {
      const { rows } = await sql<{ kind: string; status: string; n: number }>`
        SELECT kind, status, count(*)::int AS n FROM jobs WHERE status IN ('queued', 'running', 'failed') GROUP BY kind, status`.execute(db());
      this.reset();
      for (const kind of JOB_KINDS) for (const status of ['queued', 'running', 'failed']) this.set({ kind, status }, 0);
      for (const r of rows) this.set({ kind: r.kind, status: r.status }, r.n);
    },
  });
  let summary: Promise<Awaited<ReturnType<typeof integritySummary>>> | undefined;
  // One query per scrape for the five gauges that come from it.
  const fromSummary = (name: string, help: string, pick: (s: Awaited<ReturnType<typeof integritySummary>>) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        summary ??= integritySummary(db()).finally(() => setTimeout(() => (summary = undefined), 0));
        this.set(pick(await summary));
      },
    });
  fromSummary('shoebox_originals', 'Originals stored', (s) => s.originals);
  fromSummary('shoebox_originals_bytes', 'Bytes of originals stored', (s) => s.bytes);
  fromSummary('shoebox_scrub_checked_originals', 'Originals the integrity scrub has checked at least once', (s) => s.checkedEver);
  fromSummary('shoebox_scrub_checked_bytes', 'Bytes of originals the integrity scrub has checked at least once', (s) => s.checkedBytes);
  fromSummary('shoebox_scrub_problems', 'Originals found damaged, missing or unreadable by the latest check', (s) => s.problems);
}

let currentDb: (() => Db) | undefined;
let runningZips: () => number = () => 0;
new Gauge({ name: 'shoebox_zips_running', help: 'ZIP downloads being sent now', registers: [registry], collect() { this.set(runningZips()); } });

function isLoopbackPeer(c: Context<AppEnv>): boolean {
  if (c.req.header('x-forwarded-for') !== undefined || c.req.header('forwarded') !== undefined) return false;
  let address: string | undefined;
  try {
    address = getConnInfo(c).remote.address;
  } catch {
    return false;
  }
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

/** Before authentication: a loopback peer is answered here; anyone else goes on to need a `metrics` token. */
export function metricsForLoopback(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!c.get('deps').config.metrics) return c.notFound();
    if (isLoopbackPeer(c)) return answer(c);
    // A scraper, not a person: no sign-in page for it.
    if (!c.req.header('authorization') && !c.req.header('cookie')) {
      return c.json({ error: 'a bearer token with the metrics scope is required' }, 401, { 'WWW-Authenticate': 'Bearer' });
    }
    return next();
  };
}

/** After authorize(): the caller holds a token with the `metrics` scope (or is the signed-in owner). */
export const metricsForToken = (c: Context<AppEnv>) => answer(c);

async function answer(c: Context<AppEnv>) {
  const deps = c.get('deps');
  if (!currentDb) {
    // Registered on the first scrape: a server that is never scraped keeps none of it.
    collectDefaultMetrics({ register: registry, prefix: 'shoebox_' });
    currentDb = () => deps.database.db;
    databaseGauges(() => currentDb!());
  }
  currentDb = () => deps.database.db;
  runningZips = () => c.get('limits').runningZips.total();
  c.header('Cache-Control', 'no-store');
  return c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType });
}
