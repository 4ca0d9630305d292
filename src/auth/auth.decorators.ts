import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { C360Error, ErrorCode } from '../common/errors';
import { Permission } from './policy';
import { Principal } from './principal';

export const IS_PUBLIC_KEY = 'c360:public';
export const PERMISSION_KEY = 'c360:permission';

/** The route needs no token (health, OpenAPI). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);

/** The permission a caller's roles must grant (see c360.policy.yaml). */
export const RequirePermission = (permission: Permission): MethodDecorator & ClassDecorator =>
  SetMetadata(PERMISSION_KEY, permission);

/** The authenticated caller of the current request. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const principal = context.switchToHttp().getRequest<FastifyRequest>().principal;
    if (!principal) throw new C360Error(ErrorCode.Unauthenticated, 'A bearer token is required.');
    return principal;
  },
);
