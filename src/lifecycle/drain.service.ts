import { Global, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyInstance } from 'fastify';
import { C360Error, ErrorCode } from '../common/errors';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../common/problem';

/**
 * Draining during shutdown: once it starts, requests that arrive (on keep-alive connections that
 * are still open) get a 503 problem with `Connection: close`, so clients and load balancers go
 * elsewhere, while requests already in flight finish normally.
 */
@Injectable()
export class DrainService implements OnModuleInit {
  private draining = false;

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  beginDrain(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', (request, reply, done) => {
      if (!this.draining) return done();
      const problem = toProblem(
        new C360Error(ErrorCode.ShuttingDown, 'The server is shutting down; retry on another instance.'),
        `urn:c360:request:${request.id}`,
      );
      void reply
        .code(503)
        .header('connection', 'close')
        .header('content-type', PROBLEM_CONTENT_TYPE)
        .send(problem);
    });
  }
}

@Global()
@Module({ providers: [DrainService], exports: [DrainService] })
export class LifecycleModule {}
