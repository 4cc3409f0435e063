import { readFileSync } from 'node:fs';
import { fromAppRoot } from './app-root.ts';

export const version: string = JSON.parse(readFileSync(fromAppRoot('package.json'), 'utf8')).version;
