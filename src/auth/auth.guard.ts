import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyRequest } from 'fastify';
import { C360Error, ErrorCode } from '../common/errors';
import { IS_PUBLIC_KEY, PERMISSION_KEY } from './auth.decorators';
import { Authenticator } from './authenticator';
import { Permission } from './policy';
import { Principal } from './principal';

/** What a GraphQL resolver's context must carry for the guard (see src/graphql). */
export interface AuthenticatedContext {
  principal: Principal;
}

/** The one permission check of REST routes and GraphQL root fields (the guard and the read lane):
 *  a route that declares no permission is refused (fail closed). */
export function assertPermitted(principal: Principal, permission: Permission | undefined): void {
  if (!permission) throw new C360Error(ErrorCode.Forbidden, 'This route declares no permission.');
  if (!principal.permissions.has(permission)) {
    throw new C360Error(ErrorCode.Forbidden, `This route requires the "${permission}" permission.`);
  }
}

/**
 * Global guard: every REST route and GraphQL root field needs a valid bearer token unless it is
 * @Public(), and the caller's roles must grant the handler's @RequirePermission(). A handler that
 * declares neither is refused (fail closed; a spec also fails the build on it). GraphQL requests
 * are authenticated (and rate limited) once, when their context is built; the guard then checks
 * each root field's permission.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return true;
    const principal = await this.principalOf(context);
    assertPermitted(
      principal,
      this.reflector.getAllAndOverride<Permission | undefined>(PERMISSION_KEY, targets),
    );
    return true;
  }

  private async principalOf(context: ExecutionContext): Promise<Principal> {
    if (context.getType<string>() === 'graphql') {
      // Resolver arguments are (root, args, context, info).
      const principal = context.getArgByIndex<Partial<AuthenticatedContext> | undefined>(2)?.principal;
      if (!principal) throw new C360Error(ErrorCode.Unauthenticated, 'A bearer token is required.');
      return principal;
    }
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = await this.authenticator.authenticate(request.headers.authorization);
    request.principal = principal;
    return principal;
  }
}
