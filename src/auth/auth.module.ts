import { DynamicModule, Global, Module } from '@nestjs/common';
import { C360Config } from '../config/config';
import { AuthGuard } from './auth.guard';
import { Authenticator } from './authenticator';
import { Policy } from './policy';
import { RateLimiter } from './rate-limiter';
import { TokenVerifier } from './token-verifier';

/** The validated policy, the token verifier and the per-token rate limiter. The policy is loaded
 *  before Nest starts (see AppModule.forRoot), so a bad file stops start-up with one clear
 *  message. */
@Global()
@Module({})
export class AuthModule {
  static forRoot(policy: Policy): DynamicModule {
    return {
      module: AuthModule,
      providers: [
        { provide: Policy, useValue: policy },
        {
          provide: TokenVerifier,
          useFactory: (config: C360Config) => new TokenVerifier(config, policy),
          inject: [C360Config],
        },
        {
          provide: RateLimiter,
          useFactory: (config: C360Config) => {
            const rate = config.get('rateLimitRps');
            return new RateLimiter(rate, config.get('rateLimitBurst') ?? Math.max(1, rate * 2));
          },
          inject: [C360Config],
        },
        {
          provide: Authenticator,
          useFactory: (verifier: TokenVerifier, limiter: RateLimiter) => new Authenticator(verifier, limiter),
          inject: [TokenVerifier, RateLimiter],
        },
        AuthGuard,
      ],
      exports: [Policy, TokenVerifier, RateLimiter, Authenticator, AuthGuard],
    };
  }
}
