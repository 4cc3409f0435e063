// The folder the app runs from (package.json, migrations/, static/, node_modules/). This
// module sits one level below it both as source (src/app-root.ts) and bundled
// (dist/server.mjs, what `npm start` runs), so one relative URL serves both.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const appRoot = fileURLToPath(new URL('../', import.meta.url));

export const fromAppRoot = (...parts: string[]): string => join(appRoot, ...parts);
