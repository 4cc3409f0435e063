// Request bodies → typed values through valibot, or a 400 that says what was wrong.
import type { Context } from 'hono';
import * as v from 'valibot';
import { httpError } from './errors.tsx';

export function describeIssues(issues: v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => {
      const path = issue.path?.map((p) => p.key).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/**
 * Postgres text and jsonb cannot hold U+0000: a NUL anywhere in the input (a key or a value,
 * however deep) is refused here rather than failing in the database.
 */
export function refuseNul(input: unknown): void {
  const stack: unknown[] = [input];
  while (stack.length) {
    const value = stack.pop();
    if (typeof value === 'string') {
      if (value.includes('\u0000')) throw httpError(400, 'text must not contain NUL characters (\\u0000)');
    } else if (value && typeof value === 'object') {
      for (const [k, x] of Object.entries(value)) stack.push(k, x);
    }
  }
}

export function parseInput<S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> {
  refuseNul(input);
  const result = v.safeParse(schema, input);
  if (!result.success) throw httpError(400, describeIssues(result.issues));
  return result.output;
}

export async function readJson<S extends v.GenericSchema>(c: Context, schema: S): Promise<v.InferOutput<S>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) throw httpError(415, 'send JSON with Content-Type: application/json');
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch (err) {
    throw httpError(400, `malformed JSON: ${(err as Error).message}`);
  }
  return parseInput(schema, body);
}

/** A urlencoded or multipart form (small: never use this for uploads). */
export async function readForm(c: Context): Promise<Record<string, string>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) {
    throw httpError(415, 'send a form (application/x-www-form-urlencoded)');
  }
  let form: Record<string, string | File | (string | File)[]>;
  try {
    form = await c.req.parseBody();
  } catch {
    throw httpError(400, 'malformed form body');
  }
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(form)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') fields[key] = first;
  }
  refuseNul(fields);
  return fields;
}

// Shared field schemas.
export const Email = v.pipe(v.string('email is required'), v.trim(), v.maxLength(254, 'email is too long'), v.email('email is not a valid address'));
export const Uuid = v.pipe(v.string(), v.uuid('must be an id'));
export const LowerUuid = v.pipe(Uuid, v.toLowerCase());
export const AssetIdList = v.pipe(
  v.array(LowerUuid, 'assetIds must be a list of asset ids'),
  v.minLength(1, 'assetIds must name at least one asset'),
  v.maxLength(10_000, 'assetIds: at most 10,000 at a time'),
);
