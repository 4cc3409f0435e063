// The trash, the owner's only: moving assets there (from the select bar of the album page
// and the library), what albums hold a selection (the delete confirm says so), the /trash
// page, restoring, deleting forever and emptying. See src/queries/trash.ts for the model
// and src/jobs/purge-trash.ts for how files go.
import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import { TrashPage } from '../../views/pages/trash.tsx';
import { yearIn } from '../../views/parts/dates.ts';
import { purgeAssets } from '../jobs/purge-trash.ts';
import { albumsHolding, countTrash, listTrash, restoreAssets, trashAssets, TRASH_DAYS, type TrashedAssetRow } from '../queries/trash.ts';
import { currentUser } from '../http/auth.ts';
import type { AppEnv } from '../http/env.ts';
import { readJson, Uuid } from '../http/validate.ts';

const DAY = 24 * 3600_000;

const Ids = v.object({
  ids: v.pipe(
    v.array(v.pipe(Uuid, v.toLowerCase()), 'ids must be a list of asset ids'),
    v.minLength(1, 'ids must name at least one asset'),
    v.maxLength(10_000, 'ids: at most 10,000 at a time'),
  ),
});

const db = (c: Context<AppEnv>) => c.get('deps').database.db;
const purgeDeps = (c: Context<AppEnv>) => ({ db: db(c), dataRoot: c.get('deps').dataDir.root, log: c.get('deps').log });

/** When an item in the trash is deleted for good. */
export const purgeAt = (deletedAt: Date) => new Date(deletedAt.getTime() + TRASH_DAYS * DAY);

function publicTrashed(a: TrashedAssetRow) {
  return {
    id: a.id,
    kind: a.kind,
    status: a.status,
    width: a.width,
    height: a.height,
    originalFilename: a.original_filename,
    takenAt: a.taken_at?.toISOString() ?? null,
    trashedAt: a.deleted_at.toISOString(),
    purgeAt: purgeAt(a.deleted_at).toISOString(),
  };
}

export const trashRoutes = new Hono<AppEnv>()
  .post('/api/assets/delete', async (c) => {
    const { ids } = await readJson(c, Ids);
    const { trashed, albums } = await trashAssets(db(c), ids);
    return c.json({ trashed: trashed.length, albums, ids: trashed, days: TRASH_DAYS });
  })
  .post('/api/assets/albums', async (c) => {
    const { ids } = await readJson(c, Ids);
    return c.json({ albums: await albumsHolding(db(c), ids) });
  })
  .get('/api/trash', async (c) => {
    const rows = await listTrash(db(c), { tz: c.get('deps').config.defaultTz });
    return c.json({ assets: rows.map(publicTrashed), days: TRASH_DAYS });
  })
  .post('/api/trash/restore', async (c) => {
    const { ids } = await readJson(c, Ids);
    const restored = await restoreAssets(db(c), ids);
    return c.json({ restored: restored.length, ids: restored });
  })
  .post('/api/trash/delete', async (c) => {
    const { ids } = await readJson(c, Ids);
    return c.json({ deleted: await purgeAssets(purgeDeps(c), { ids }) });
  })
  .post('/api/trash/empty', async (c) => {
    return c.json({ deleted: await purgeAssets(purgeDeps(c), { everything: true }) });
  })

  // The page, and its form for browsers without script.
  .get('/trash', async (c) => {
    const tz = c.get('deps').config.defaultTz;
    const rows = await listTrash(db(c), { tz });
    return c.html(<TrashPage user={currentUser(c)} items={rows} now={new Date()} days={TRASH_DAYS} currentYear={yearIn(tz)} />);
  })
  .post('/trash/empty', async (c) => {
    if (await countTrash(db(c))) await purgeAssets(purgeDeps(c), { everything: true });
    return c.redirect('/trash', 303);
  });
