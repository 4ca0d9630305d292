import { SignJWT } from 'jose';
import { C360Config } from '../config/config';
import { loadPolicy } from './policy';

export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
export const HS256 = 'HS256';

export interface TokenRequest {
  roles: string[];
  sub?: string;
  /** ISO-2 codes; the token then limits every read to these countries. */
  countries?: string[];
  ttlSeconds?: number;
}

export const hmacKey = (secret: string): Uint8Array => new TextEncoder().encode(secret);

/** Signs an HS256 bearer token with AUTH_JWT_SECRET (`c360 token`, the demo and tests). Roles
 *  must exist in the policy, so a typo fails here rather than as a 403 later. */
export async function signToken(config: C360Config, request: TokenRequest): Promise<string> {
  const secret = config.requireJwtSecret();
  const policy = loadPolicy(config.configDir);
  if (request.roles.length === 0) throw new Error('at least one role is required');
  for (const role of request.roles) {
    if (!policy.roles.has(role)) {
      throw new Error(`unknown role "${role}" (the policy defines ${policy.roleNames().join(', ')})`);
    }
  }
  const ttl = request.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl <= 0)
    throw new Error('the token lifetime must be a positive number of seconds');
  const claims: Record<string, string[]> = { roles: [...request.roles] };
  if (request.countries !== undefined) {
    const countries = request.countries.map((c) => c.trim().toUpperCase());
    const bad = countries.find((c) => !/^[A-Z]{2}$/.test(c));
    if (bad !== undefined) throw new Error(`"${bad}" is not an ISO-2 country code`);
    claims[policy.rowScopeClaim] = [...new Set(countries)];
  }
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: HS256, typ: 'JWT' })
    .setSubject(request.sub ?? 'c360-cli')
    .setIssuedAt(now)
    .setExpirationTime(now + ttl);
  const issuer = config.get('jwtIssuer');
  if (issuer) jwt.setIssuer(issuer);
  return jwt.sign(hmacKey(secret));
}
