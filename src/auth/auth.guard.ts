import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyRequest } from 'fastify';
import { C360Error, ErrorCode } from '../common/errors';
import { IS_PUBLIC_KEY, PERMISSION_KEY } from './auth.decorators';
import { Permission } from './policy';
import { TokenVerifier } from './token-verifier';

/**
 * Global guard: every route needs a valid bearer token unless it is @Public(), and the caller's
 * roles must grant the route's @RequirePermission(). A route that declares neither is refused
 * (fail closed; a spec also fails the build on it).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = await this.verifier.verifyAuthorization(request.headers.authorization);
    request.principal = principal;
    const permission = this.reflector.getAllAndOverride<Permission | undefined>(PERMISSION_KEY, targets);
    if (!permission) throw new C360Error(ErrorCode.Forbidden, 'This route declares no permission.');
    if (!principal.permissions.has(permission)) {
      throw new C360Error(ErrorCode.Forbidden, `This route requires the "${permission}" permission.`);
    }
    return true;
  }
}
