// The owner's library page: every asset newest first, in numbered pages, filterable to
// those in no album.
import { Hono } from 'hono';
import * as v from 'valibot';
import { LibraryPage } from '../../views/pages/library.tsx';
import { yearIn } from '../../views/parts/dates.ts';
import { countLibraryAssets, listLibraryAssets } from '../queries/library.ts';
import { currentUser } from '../http/auth.ts';
import type { AppEnv } from '../http/env.ts';
import { httpError } from '../http/errors.tsx';
import { parseInput } from '../http/validate.ts';
import { sectionsByDay } from './album-grid.ts';

export const LIBRARY_PAGE_SIZE = 200;

const LibraryQuery = v.object({
  filter: v.optional(v.picklist(['all', 'unsorted'], 'filter must be all or unsorted'), 'all'),
  page: v.optional(v.pipe(v.string(), v.toNumber('page must be a number'), v.integer('page must be a whole number'), v.minValue(1, 'page must be at least 1')), '1'),
});

export const libraryRoutes = new Hono<AppEnv>().get('/library', async (c) => {
  const { database, config } = c.get('deps');
  const { filter, page } = parseInput(LibraryQuery, c.req.query());
  const total = await countLibraryAssets(database.db, filter);
  const pages = Math.max(1, Math.ceil(total / LIBRARY_PAGE_SIZE));
  if (page > pages) throw httpError(404, `There is no page ${page}: the library has ${pages}.`);
  const rows = await listLibraryAssets(database.db, { filter, offset: (page - 1) * LIBRARY_PAGE_SIZE, limit: LIBRARY_PAGE_SIZE, tz: config.defaultTz });
  return c.html(
    <LibraryPage
      user={currentUser(c)}
     
      filter={filter}
      sections={sectionsByDay(rows)}
      total={total}
      page={page}
      pages={pages}
      currentYear={yearIn(config.defaultTz)}
      uploadChunkBytes={config.uploadChunkBytes}
    />,
  );
});
