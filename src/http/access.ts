// Who may call what. Default: the owner only. Everything reachable without an account,
// and everything an uploader may use, is listed here and nowhere else; the authorization
// matrix test walks every registered route against this table.
export type Access = 'public' | 'uploader' | 'owner';

type Rule = [methods: string, path: RegExp, access: Access];

const rules: Rule[] = [
  // Anyone: health, assets, sign-in, first-run setup. Guest links check their own access.
  ['GET', /^\/healthz$/, 'public'],
  ['GET HEAD', /^\/static\//, 'public'],
  ['GET POST', /^\/login$/, 'public'],
  ['GET POST', /^\/setup$/, 'public'],
  ['POST', /^\/api\/setup$/, 'public'],
  ['POST', /^\/api\/auth\/login$/, 'public'],
  ['GET HEAD POST', /^\/s\//, 'public'],
  ['GET', /^\/api\/share\/[^/]+$/, 'public'],
  ['GET', /^\/api\/share\/[^/]+\/assets\/[^/]+$/, 'public'],
  ['GET', /^\/api\/share\/[^/]+\/status$/, 'public'],
  ['POST', /^\/api\/share\/[^/]+\/(auth|upload|uploads|downloads)$/, 'public'],
  ['OPTIONS', /^\/api\/share\/[^/]+\/uploads$/, 'public'],
  ['GET HEAD PATCH DELETE', /^\/api\/share\/[^/]+\/uploads\/[^/]+$/, 'public'],
  ['GET HEAD', /^\/media\//, 'public'],

  // Signed-in uploaders: themselves, the albums granted to them, and uploading into those.
  ['POST', /^\/logout$/, 'uploader'],
  ['POST', /^\/api\/auth\/logout$/, 'uploader'],
  ['GET', /^\/api\/me$/, 'uploader'],
  ['POST', /^\/api\/me\/password$/, 'uploader'],
  ['GET', /^\/$/, 'uploader'],
  ['GET', /^\/albums\/[^/]+$/, 'uploader'],
  ['GET', /^\/albums\/[^/]+\/tiles$/, 'uploader'],
  ['GET', /^\/albums\/[^/]+\/placed-tiles$/, 'uploader'],
  ['GET', /^\/api\/assets\/status$/, 'uploader'],
  ['GET', /^\/api\/albums$/, 'uploader'],
  ['GET', /^\/api\/albums\/[^/]+$/, 'uploader'],
  ['POST', /^\/api\/assets\/(upload|check)$/, 'uploader'],
  ['POST OPTIONS', /^\/api\/uploads$/, 'uploader'],
  ['GET HEAD PATCH DELETE', /^\/api\/uploads\/[^/]+$/, 'uploader'],
  ['GET HEAD', /^\/api\/assets\/[^/]+\/download$/, 'uploader'],
];

export function accessFor(method: string, path: string): Access {
  for (const [methods, pattern, access] of rules) {
    if (methods.split(' ').includes(method) && pattern.test(path)) return access;
  }
  return 'owner';
}

/** What a bearer token needs for a path: a scope, or a signed-in session (managing tokens). */
export function tokenScopeFor(path: string): 'api' | 'metrics' | 'session' {
  if (/^\/api\/tokens(\/|$)/.test(path) || path === '/api/me/password') return 'session';
  if (path === '/metrics') return 'metrics';
  return 'api';
}
