// One read for many requests that miss at once (a shared album's page asks for dozens of
// images together): SharedLoads on its own, with reads the test finishes by hand (the order
// of a change and a running read decided, not left to timing), then the guest-side caches
// on a real database, counting the statements sent.
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlbumAssetCache } from '../../src/sharing/album-asset-cache.ts';
import { LinkCache } from '../../src/sharing/link-cache.ts';
import { SharedLoads } from '../../src/sharing/shared-loads.ts';
import * as v from 'valibot';
import { NewLinkInput } from '../../src/sharing/link-settings.ts';
import { createLink, turnOffLink } from '../../src/sharing/manage-links.ts';
import { backends, createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { newAlbum, newAsset, newUser } from '../helpers/factories.ts';

/** Counts the statements Kysely sends (it only watches). */
class QueryCount implements KyselyPlugin {
  sent = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.sent++;
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/** A read the test finishes when it chooses. */
function heldRead<V>() {
  let finish!: (value: V) => void;
  let fail!: (err: Error) => void;
  const promise = new Promise<V>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return { promise, finish, fail };
}

describe('SharedLoads', () => {
  it('runs one read for every caller of a key while it runs, and keeps its value once', async () => {
    const loads = new SharedLoads<string>();
    const read = heldRead<string>();
    let reads = 0;
    const kept: string[] = [];
    const asks = Array.from({ length: 5 }, () => loads.run('a', () => (reads++, read.promise), (v) => kept.push(v)));
    read.finish('state');
    expect(await Promise.all(asks)).toEqual(Array(5).fill('state'));
    expect([reads, kept]).toEqual([1, ['state']]);
    // Done: the next miss reads again.
    await loads.run('a', async () => (reads++, 'again'), (v) => kept.push(v));
    expect([reads, kept]).toEqual([2, ['state', 'again']]);
  });

  it('after a change, callers start a read of their own; the one begun before is answered but not kept', async () => {
    const loads = new SharedLoads<string>();
    const old = heldRead<string>();
    const kept: string[] = [];
    const before = loads.run('link', () => old.promise, (v) => kept.push(v));
    loads.forget(); // the link changed while that read ran
    const fresh = heldRead<string>();
    const after = loads.run('link', () => fresh.promise, (v) => kept.push(v));
    fresh.finish('revoked');
    old.finish('open');
    expect([await before, await after]).toEqual(['open', 'revoked']);
    expect(kept).toEqual(['revoked']);
  });

  it('keeps nothing of a failed read, and the next caller reads again', async () => {
    const loads = new SharedLoads<string>();
    const read = heldRead<string>();
    const kept: string[] = [];
    const asked = loads.run('a', () => read.promise, (v) => kept.push(v));
    read.fail(new Error('database went away'));
    await expect(asked).rejects.toThrow('database went away');
    expect(await loads.run('a', async () => 'back', (v) => kept.push(v))).toBe('back');
    expect(kept).toEqual(['back']);
  });
});

describe.each(backends())('shared loads on %s', (backend) => {
  let database: TestDatabase;
  let albumId: string;
  let assetId: string;
  const db = () => database.db;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    const owner = await newUser(db(), { role: 'owner' });
    albumId = (await newAlbum(db(), owner.id, { title: 'Shared' })).id;
    assetId = (await newAsset(db(), { status: 'ready' })).id;
    await db().insertInto('album_assets').values({ album_id: albumId, asset_id: assetId, position: 0 }).execute();
  });
  afterAll(() => database.close());

  it('asks the database once for a link that 30 requests miss together', async () => {
    const link = await createLink(db(), albumId, v.parse(NewLinkInput, {}));
    const count = new QueryCount();
    const cache = new LinkCache(() => db().withPlugin(count));
    const states = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? cache.byId(link.id) : cache.byToken(link.token))));
    expect(new Set(states.map((s) => s?.id))).toEqual(new Set([link.id]));
    expect(count.sent).toBe(2); // one by id, one by token
    await cache.byId(link.id);
    expect(count.sent).toBe(2); // kept
  });

  it('an unknown token costs what a revoked one does: one read, then none while it is fresh', async () => {
    const revoked = await createLink(db(), albumId, v.parse(NewLinkInput, {}));
    await db().updateTable('shared_links').set({ revoked: true }).where('id', '=', revoked.id).execute();
    const cost = async (token: string) => {
      const count = new QueryCount();
      const cache = new LinkCache(() => db().withPlugin(count));
      const first = await cache.byToken(token);
      const afterFirst = count.sent;
      await cache.byToken(token);
      await cache.byToken(token);
      return { first: first?.revoked ?? 'unknown', reads: [afterFirst, count.sent] };
    };
    expect(await cost(revoked.token)).toEqual({ first: true, reads: [1, 1] });
    expect(await cost('f'.repeat(64))).toEqual({ first: 'unknown', reads: [1, 1] });
  });

  it('a link revoked just after a request asked for it: the next request sees it revoked', async () => {
    const link = await createLink(db(), albumId, v.parse(NewLinkInput, {}));
    const count = new QueryCount();
    const cache = new LinkCache(() => db().withPlugin(count));
    const before = cache.byId(link.id);
    await turnOffLink(db(), cache, link.id);
    expect((await cache.byId(link.id))?.revoked).toBe(true);
    await before;
    expect((await cache.byId(link.id))?.revoked).toBe(true); // what was read before the change is not kept
  });

  it('asks once for an asset that 30 requests miss together, and again after a change', async () => {
    const count = new QueryCount();
    const cache = new AlbumAssetCache(() => db().withPlugin(count));
    const found = await Promise.all(Array.from({ length: 30 }, () => cache.get(albumId, assetId)));
    expect(new Set(found.map((a) => a?.id))).toEqual(new Set([assetId]));
    expect(count.sent).toBe(1);
    expect(cache.peek(albumId, assetId)?.id).toBe(assetId);

    const reading = cache.get(albumId, '00000000-0000-4000-8000-000000000000');
    cache.clear(); // a change while that read runs
    await db().deleteFrom('album_assets').where('asset_id', '=', assetId).execute();
    expect(await cache.get(albumId, assetId)).toBeUndefined();
    await reading;
    expect(count.sent).toBe(3);
  });
});
