// Owner pages.
import { Hono } from 'hono';
import { HomePage } from '../../views/pages/home.tsx';
import type { AppEnv } from '../http/env.ts';

export const pageRoutes = new Hono<AppEnv>().get('/', (c) => c.html(<HomePage />));
