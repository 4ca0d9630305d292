import { Global, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyInstance } from 'fastify';
import { MetricsController } from './metrics.controller';
import { FreshnessMonitor } from './freshness.monitor';
import { MetricsService } from './metrics.service';

/** Prometheus metrics: one HTTP hook times every request by route pattern (never the raw URL). */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, FreshnessMonitor],
  exports: [MetricsService],
})
export class ObservabilityModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched';
      this.metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  }
}
