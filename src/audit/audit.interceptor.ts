import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyReply, FastifyRequest } from 'fastify';
import { getNamedType, GraphQLResolveInfo } from 'graphql';
import { catchError, Observable, tap, throwError } from 'rxjs';
import { PERMISSION_KEY } from '../auth/auth.decorators';
import { Permission, RouteKind } from '../auth/policy';
import { Principal } from '../auth/principal';
import { PII_RESPONSE_KEY, PiiResponseMetadata } from '../masking/pii-response.decorator';
import { AuditRecorder, PendingAudit, SAFE_ID } from './audit-recorder';

/** Where @nestjs/swagger's @ApiOperation keeps its options (operationId names the action); the
 *  package does not export its constants module. */
export const API_OPERATION_KEY = 'swagger/apiOperation';

/** GraphQL types whose objects carry customer PII, with their route kind. */
const GRAPHQL_PII_TYPES: Readonly<Record<string, RouteKind>> = {
  Customer: 'single',
  CustomerConnection: 'list',
};

/**
 * Writes the audit log (AuditRecorder) for requests routed through Nest: REST handlers (from
 * their @Endpoint metadata) and GraphQL root fields. Registered outermost, so reads answered
 * from the response cache are audited too.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly recorder: AuditRecorder,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const type = context.getType<string>();
    const pending =
      type === 'http' ? this.restEntry(context) : type === 'graphql' ? this.graphqlEntry(context) : null;
    if (!pending) return next.handle();
    const reply = type === 'http' ? context.switchToHttp().getResponse<FastifyReply>() : null;
    return next.handle().pipe(
      tap((result: unknown) => this.recorder.succeeded(pending, result, reply?.statusCode ?? 200)),
      catchError((error: unknown) => {
        this.recorder.failed(pending, error);
        return throwError(() => error);
      }),
    );
  }

  private restEntry(context: ExecutionContext): PendingAudit | null {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!request.principal) return null;
    const handler = context.getHandler();
    const operation = this.reflector.get<{ operationId?: string } | undefined>(API_OPERATION_KEY, handler);
    return this.recorder.restEntry({
      principal: request.principal,
      permission: this.reflector.getAllAndOverride<Permission | undefined>(PERMISSION_KEY, [
        handler,
        context.getClass(),
      ]),
      pii: this.reflector.get<PiiResponseMetadata | undefined>(PII_RESPONSE_KEY, handler),
      action: operation?.operationId ?? handler.name,
      route: request.routeOptions?.url ?? '',
      params: request.params,
      query: request.query,
      requestId: String(request.id),
    });
  }

  private graphqlEntry(context: ExecutionContext): PendingAudit | null {
    const info = context.getArgByIndex<GraphQLResolveInfo | undefined>(3);
    const ctx = context.getArgByIndex<{ principal?: Principal; req?: FastifyRequest } | undefined>(2);
    const principal = ctx?.principal;
    if (!info || !principal || info.parentType.name !== 'Query') return null;
    const routeKind = GRAPHQL_PII_TYPES[getNamedType(info.returnType).name];
    if (routeKind === undefined || !this.recorder.seesClear(principal, routeKind)) return null;
    const args = context.getArgByIndex<Record<string, unknown> | undefined>(1) ?? {};
    return {
      actor: principal.sub,
      roles: [...principal.roles],
      kind: 'pii_read',
      action: `graphql.${info.fieldName}`,
      transport: 'graphql',
      target_type: 'customer',
      target_ids: typeof args.id === 'string' && SAFE_ID.test(args.id) ? [args.id] : [],
      request_id: String(ctx?.req?.id ?? ''),
    };
  }
}
