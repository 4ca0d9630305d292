import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  JWTPayload,
  jwtVerify,
  JWTVerifyGetKey,
} from 'jose';
import { C360Error, ErrorCode } from '../common/errors';
import { C360Config } from '../config/config';
import { Policy } from './policy';
import { Principal } from './principal';
import { HS256, hmacKey } from './token';

const CLOCK_SKEW_SECONDS = 30;
const MAX_TOKEN_LENGTH = 8192;
/** Verified tokens remembered (until they expire) so a caller's repeated requests skip the
 *  signature check; bounded, cleared when full. */
const VERIFIED_CACHE_SIZE = 10_000;
const ASYMMETRIC_ALGORITHMS = ['RS256', 'ES256'];
/** A token with an unknown `kid` refetches the JWKS (key rotation), at most this often, so
 *  tokens with made-up kids cannot turn the service into a JWKS fetch loop. */
const JWKS_REFRESH_COOLDOWN_MS = 5_000;
/** Keys are refetched at least this often even when every kid is known (revocations). */
const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;

const unauthenticated = (detail: string): C360Error => new C360Error(ErrorCode.Unauthenticated, detail);

/**
 * Verifies bearer tokens. Each key is bound to its algorithms (the secret to HS256, the JWKS to
 * RS256/ES256), so `alg: none` and algorithm confusion are refused. Details never echo claims.
 * Provided by a factory (AuthModule); tests pass a local JWKS.
 */
export class TokenVerifier {
  private readonly secret: Uint8Array | null;
  private readonly jwks: JWTVerifyGetKey | null;
  private readonly issuer: string | undefined;
  private readonly verified = new Map<string, { principal: Principal; expiresMs: number }>();

  constructor(
    config: C360Config,
    private readonly policy: Policy,
    jwks?: JWTVerifyGetKey,
  ) {
    const secret = config.get('jwtSecret');
    this.secret = secret ? hmacKey(secret) : null;
    const jwksUrl = config.get('jwksUrl');
    this.jwks =
      jwks ??
      (jwksUrl
        ? createRemoteJWKSet(new URL(jwksUrl), {
            cooldownDuration: JWKS_REFRESH_COOLDOWN_MS,
            cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
          })
        : null);
    this.issuer = config.get('jwtIssuer') ?? undefined;
  }

  /** Verifies the `Authorization` header value; throws C360Error(Unauthenticated). */
  async verifyAuthorization(header: string | undefined): Promise<Principal> {
    return (await this.verifyAuthorizationWithToken(header)).principal;
  }

  /** Like verifyAuthorization, also returning the bearer token itself (rate limits key on it). */
  async verifyAuthorizationWithToken(
    header: string | undefined,
  ): Promise<{ principal: Principal; token: string }> {
    if (!header) throw unauthenticated('A bearer token is required.');
    const match = /^Bearer +([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim());
    if (!match || match[1].length > MAX_TOKEN_LENGTH)
      throw unauthenticated('The Authorization header must be "Bearer <token>".');
    return { principal: await this.verify(match[1]), token: match[1] };
  }

  async verify(token: string, nowMs = Date.now()): Promise<Principal> {
    const known = this.verified.get(token);
    if (known && known.expiresMs > nowMs) return known.principal;
    let payload: JWTPayload;
    try {
      payload = await this.verifySignature(token);
    } catch (error) {
      if (error instanceof C360Error) throw error;
      if (error instanceof errors.JWTExpired) throw unauthenticated('The bearer token has expired.');
      throw unauthenticated('The bearer token is not valid.');
    }
    const principal = this.principalOf(payload);
    if (typeof payload.exp === 'number') {
      if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.clear();
      // Same tolerance as the check itself: the cache never accepts what jose would refuse.
      this.verified.set(token, { principal, expiresMs: (payload.exp + CLOCK_SKEW_SECONDS) * 1000 });
    }
    return principal;
  }

  private async verifySignature(token: string): Promise<JWTPayload> {
    const options = {
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ['exp', 'sub'],
      ...(this.issuer ? { issuer: this.issuer } : {}),
    };
    const { alg } = decodeProtectedHeader(token);
    if (alg === HS256 && this.secret) {
      return (await jwtVerify(token, this.secret, { ...options, algorithms: [HS256] })).payload;
    }
    if (alg !== undefined && ASYMMETRIC_ALGORITHMS.includes(alg) && this.jwks) {
      return (await jwtVerify(token, this.jwks, { ...options, algorithms: ASYMMETRIC_ALGORITHMS })).payload;
    }
    throw unauthenticated('The bearer token is not valid.');
  }

  private principalOf(payload: JWTPayload): Principal {
    const invalid = (): never => {
      throw unauthenticated('The bearer token carries invalid claims.');
    };
    const { sub, roles } = payload;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 256) invalid();
    if (
      !Array.isArray(roles) ||
      roles.length > 32 ||
      roles.some((r) => typeof r !== 'string' || r.length > 64)
    ) {
      invalid();
    }
    const roleNames = roles as string[];
    const scope = payload[this.policy.rowScopeClaim];
    let countries: string[] | null = null;
    if (scope !== undefined) {
      if (
        !Array.isArray(scope) ||
        scope.length > 300 ||
        scope.some((c) => typeof c !== 'string' || !/^[A-Za-z]{2}$/.test(c))
      ) {
        invalid();
      }
      countries = [...new Set((scope as string[]).map((c) => c.toUpperCase()))];
    }
    return {
      sub: sub as string,
      roles: roleNames,
      permissions: this.policy.permissionsFor(roleNames),
      countries,
    };
  }
}
