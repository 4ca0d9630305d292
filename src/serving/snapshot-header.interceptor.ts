import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { map, Observable } from 'rxjs';
import { SNAPSHOT_HEADER, SnapshotResult } from './snapshot-result';

/** Global: sends a SnapshotResult's body with the `X-C360-Snapshot` header. */
@Injectable()
export class SnapshotHeaderInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      map((result: unknown) => {
        if (!(result instanceof SnapshotResult)) return result;
        context.switchToHttp().getResponse<FastifyReply>().header(SNAPSHOT_HEADER, result.snapshotId);
        return result.body;
      }),
    );
  }
}
