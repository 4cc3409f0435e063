// Owner pages.
import { Hono } from 'hono';
import { HomePage } from '../../views/pages/home.tsx';
import { currentUser } from '../http/auth.ts';
import type { AppEnv } from '../http/env.ts';

export const pageRoutes = new Hono<AppEnv>().get('/', (c) => c.html(<HomePage user={currentUser(c)} />));
