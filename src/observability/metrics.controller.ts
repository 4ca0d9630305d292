import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { Endpoint } from '../common/http/endpoint.decorator';
import { MetricsService } from './metrics.service';

@ApiTags('health')
@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  /** Prometheus text format; public like the health routes (scrapers carry no token). */
  @Get('metrics')
  @Endpoint({ summary: 'Prometheus metrics', operationId: 'metrics', access: 'public' })
  @ApiOkResponse({ description: 'Prometheus text exposition format', content: { 'text/plain': {} } })
  async metricsText(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const { contentType, body } = await this.metrics.render();
    void reply.header('content-type', contentType);
    return body;
  }
}
