import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { C360Error, ErrorCode } from '../common/errors';
import { C360Config, PACKAGE_ROOT } from '../config/config';
import { loadPolicy } from './policy';
import { hmacKey, signToken } from './token';
import { TokenVerifier } from './token-verifier';

const SECRET = 'unit-test-secret-0123456789abcdef';
const config = (env: Record<string, string> = {}): C360Config =>
  C360Config.fromEnv({ AUTH_JWT_SECRET: SECRET, C360_CONFIG_DIR: PACKAGE_ROOT, ...env });
const policy = loadPolicy(PACKAGE_ROOT);
const now = (): number => Math.floor(Date.now() / 1000);

const base64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

async function rejection(promise: Promise<unknown>): Promise<C360Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof C360Error) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('signToken + TokenVerifier', () => {
  const verifier = new TokenVerifier(config(), policy);

  it('round-trips sub, roles, countries and the permissions of the roles', async () => {
    const token = await signToken(config(), { roles: ['support'], sub: 'agent-7', countries: ['de', 'FR'] });
    const principal = await verifier.verifyAuthorization(`Bearer ${token}`);
    expect(principal.sub).toBe('agent-7');
    expect(principal.roles).toEqual(['support']);
    expect([...principal.permissions].sort()).toEqual(['filter:email', 'read']);
    expect(principal.countries).toEqual(['DE', 'FR']);
  });

  it('defaults to a one-hour token without a country scope', async () => {
    const token = await signToken(config(), { roles: ['analyst'] });
    const [, payload] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { exp: number; iat: number };
    expect(claims.exp - claims.iat).toBe(3600);
    expect((await verifier.verify(token)).countries).toBeNull();
  });

  it('refuses unknown roles and bad countries when signing', async () => {
    await expect(signToken(config(), { roles: ['superuser'] })).rejects.toThrow(/unknown role "superuser"/);
    await expect(signToken(config(), { roles: ['analyst'], countries: ['Germany'] })).rejects.toThrow(
      /ISO-2/,
    );
  });

  it.each([
    [undefined, /bearer token is required/],
    ['Basic abc', /Bearer <token>/],
    ['Bearer not-a-jwt', /not valid/],
  ])('refuses the Authorization header %p', async (header, detail) => {
    const error = await rejection(verifier.verifyAuthorization(header));
    expect(error.code).toBe(ErrorCode.Unauthenticated);
    expect(error.detail).toMatch(detail);
  });

  it('refuses an expired token, but tolerates 30 s of clock skew', async () => {
    const sign = (exp: number): Promise<string> =>
      new SignJWT({ roles: ['analyst'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('u')
        .setExpirationTime(exp)
        .sign(hmacKey(SECRET));
    expect((await rejection(verifier.verify(await sign(now() - 60)))).detail).toMatch(/expired/);
    await expect(verifier.verify(await sign(now() - 10))).resolves.toMatchObject({ sub: 'u' });
  });

  it('refuses a token that is not valid yet (nbf beyond the skew)', async () => {
    const token = await new SignJWT({ roles: ['analyst'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .setNotBefore(now() + 120)
      .setExpirationTime(now() + 600)
      .sign(hmacKey(SECRET));
    expect((await rejection(verifier.verify(token))).code).toBe(ErrorCode.Unauthenticated);
  });

  it('refuses a token without exp', async () => {
    const token = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .sign(hmacKey(SECRET));
    expect((await rejection(verifier.verify(token))).code).toBe(ErrorCode.Unauthenticated);
  });

  it('refuses a token signed with another secret', async () => {
    const token = await signToken(config({ AUTH_JWT_SECRET: 'another-secret-0123456789abcdef' }), {
      roles: ['admin'],
    });
    expect((await rejection(verifier.verify(token))).code).toBe(ErrorCode.Unauthenticated);
  });

  it('refuses alg "none"', async () => {
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'u', roles: ['admin'], exp: now() + 600 })}.`;
    expect((await rejection(verifier.verify(token))).code).toBe(ErrorCode.Unauthenticated);
  });

  it('refuses HS384/HS512 signed with the right secret (only HS256 is accepted)', async () => {
    const token = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject('u')
      .setExpirationTime(now() + 600)
      .sign(hmacKey(SECRET));
    expect((await rejection(verifier.verify(token))).code).toBe(ErrorCode.Unauthenticated);
  });

  it('checks iss when AUTH_JWT_ISSUER is set', async () => {
    const withIssuer = config({ AUTH_JWT_ISSUER: 'https://issuer.example' });
    const strict = new TokenVerifier(withIssuer, policy);
    await expect(strict.verify(await signToken(withIssuer, { roles: ['analyst'] }))).resolves.toMatchObject({
      roles: ['analyst'],
    });
    expect((await rejection(strict.verify(await signToken(config(), { roles: ['analyst'] })))).code).toBe(
      ErrorCode.Unauthenticated,
    );
  });

  it.each([
    [{ roles: 'admin' }],
    [{ roles: [1] }],
    [{ roles: ['analyst'], countries: ['Germany'] }],
    [{ roles: ['analyst'], countries: 'DE' }],
  ])('refuses invalid claims %j', async (claims) => {
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .setExpirationTime(now() + 600)
      .sign(hmacKey(SECRET));
    expect((await rejection(verifier.verify(token))).detail).toMatch(/invalid claims/);
  });

  describe('with a JWKS', () => {
    it('accepts RS256 from the key set and refuses an HS256 token signed with the public key', async () => {
      const { publicKey, privateKey } = await generateKeyPair('RS256');
      const jwk = { ...(await exportJWK(publicKey)), alg: 'RS256', kid: 'k1' };
      const jwksVerifier = new TokenVerifier(config(), policy, createLocalJWKSet({ keys: [jwk] }));
      const good = await new SignJWT({ roles: ['analyst'] })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setSubject('u')
        .setExpirationTime(now() + 600)
        .sign(privateKey);
      await expect(jwksVerifier.verify(good)).resolves.toMatchObject({ sub: 'u' });
      // Algorithm confusion: the public key used as an HMAC secret.
      const confused = await new SignJWT({ roles: ['admin'] })
        .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
        .setSubject('u')
        .setExpirationTime(now() + 600)
        .sign(new TextEncoder().encode(JSON.stringify(jwk)));
      expect((await rejection(jwksVerifier.verify(confused))).code).toBe(ErrorCode.Unauthenticated);
    });
  });
});
