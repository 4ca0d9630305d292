import { DynamicModule, Global, Module } from '@nestjs/common';
import { C360Config } from '../config/config';
import { AuthGuard } from './auth.guard';
import { Policy } from './policy';
import { TokenVerifier } from './token-verifier';

/** The validated policy and the token verifier. The policy is loaded before Nest starts (see
 *  AppModule.forRoot), so a bad file stops start-up with one clear message. */
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
        AuthGuard,
      ],
      exports: [Policy, TokenVerifier, AuthGuard],
    };
  }
}
