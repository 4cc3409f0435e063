// Password hashing: argon2id (OWASP's m=19 MiB, t=2, p=1). Hashes are never logged or returned.
// Loaded on first use (~14 MB): a server that only serves guests never maps it.
const argon2 = () => import('@node-rs/argon2');

const ARGON2ID = 2;
const options = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 10;

export function hashPassword(password: string): Promise<string> {
  return argon2().then(({ hash }) => hash(password, options));
}

export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    const { verify } = await argon2();
    return await verify(storedHash, password);
  } catch {
    return false; // a malformed stored hash never matches
  }
}

// Verifying against this when the email is unknown keeps both answers equally slow.
let dummyHash: Promise<string> | undefined;
export async function verifyAgainstNothing(password: string): Promise<false> {
  dummyHash ??= hashPassword('not-a-real-password-just-timing');
  const { verify } = await argon2();
  await verify(await dummyHash, password).catch(() => false);
  return false;
}
