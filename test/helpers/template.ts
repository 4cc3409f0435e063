// The Postgres template database that global setup migrates once and test files clone.
export const TEMPLATE_DB = 'shoebox_test_template';

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
