import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, readEnv } from '../../src/config.ts';

describe('config', () => {
  it('has defaults that start a server on a fresh machine', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.dataDir).toBe(resolve('./data'));
    expect(c.databaseUrl).toBeUndefined();
    expect(c.maxUploadBytes).toBe(16 * 1024 ** 3);
    expect(c.logLevel).toBe('info');
    expect(c.workerConcurrency).toBeGreaterThanOrEqual(1);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be an integer between 1 and 65535'],
    [{ PORT: '70000' }, 'PORT must be an integer between 1 and 65535'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL must be a URL starting with postgres:// or postgresql://'],
    [{ PUBLIC_URL: 'example.com' }, 'PUBLIC_URL must be a URL'],
    [{ SECRET_KEY: 'short' }, 'SECRET_KEY must be at least 32 characters'],
    [{ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY must be true or false'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of'],
    [{ MAX_UPLOAD_SIZE: 'lots' }, 'MAX_UPLOAD_SIZE must be a size'],
    [{ DEFAULT_TZ: 'Mars/Olympus' }, 'DEFAULT_TZ must be an IANA time zone'],
  ])('refuses %o with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('parses sizes, booleans and trims PUBLIC_URL', () => {
    const c = loadConfig({ MAX_UPLOAD_SIZE: '500M', TRUST_PROXY: 'yes', PUBLIC_URL: 'https://photos.example/' });
    expect(c.maxUploadBytes).toBe(500 * 1024 ** 2);
    expect(c.trustProxy).toBe(true);
    expect(c.publicUrl).toBe('https://photos.example');
  });

  it('reads .env, and the real environment wins over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbx-env-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'PORT=4000\nLOG_LEVEL=debug\n# comment\nHOST=\n');
    const env = readEnv({ LOG_LEVEL: 'warn' }, file);
    expect(env).toMatchObject({ PORT: '4000', LOG_LEVEL: 'warn' });
    expect(env.HOST).toBeUndefined();
    expect(loadConfig(env).port).toBe(4000);
    rmSync(dir, { recursive: true });
  });
});
