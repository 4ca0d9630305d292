import { Principal } from './principal';
import { RateLimiter } from './rate-limiter';
import { TokenVerifier } from './token-verifier';

/**
 * Turns an `Authorization` header into the caller: verifies the bearer token and charges the
 * token's rate limit. The REST guard and the GraphQL context both go through here, so the two
 * transports authenticate and limit identically.
 */
export class Authenticator {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly limiter: RateLimiter,
  ) {}

  async authenticate(authorization: string | undefined): Promise<Principal> {
    const { principal, token } = await this.verifier.verifyAuthorizationWithToken(authorization);
    // The signature identifies the token without keeping the whole token as a key.
    this.limiter.take(token.slice(token.lastIndexOf('.') + 1));
    return principal;
  }
}
