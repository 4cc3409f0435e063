// Owner pages: the album list (an uploader sees the albums granted to them).
import { Hono } from 'hono';
import { HomePage } from '../../views/pages/home.tsx';
import { listAlbums } from '../queries/albums.ts';
import { currentUser } from '../http/auth.ts';
import type { AppEnv } from '../http/env.ts';

export const pageRoutes = new Hono<AppEnv>().get('/', async (c) => {
  const user = currentUser(c);
  const { database, config } = c.get('deps');
  const albums = await listAlbums(database.db, { tz: config.defaultTz, uploaderId: user.role === 'owner' ? undefined : user.id });
  return c.html(<HomePage user={user} albums={albums} />);
});
