import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { Endpoint } from '../common/http/endpoint.decorator';
import { MetricsService } from '../observability/metrics.service';
import { SnapshotReaderService } from '../serving/snapshot-reader.service';

class LiveDto {
  @ApiProperty({ example: 'ok' }) status!: string;
}

class FreshnessDto {
  @ApiProperty({ description: 'true when the snapshot is older than C360_MAX_SNAPSHOT_AGE' }) stale!: boolean;
  @ApiProperty({ type: 'integer', nullable: true }) age_seconds!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'the SLA; null when none is set' })
  max_age_seconds!: number | null;
}

class ReadyDto {
  @ApiProperty({ enum: ['ready', 'not_ready'] }) status!: 'ready' | 'not_ready';
  @ApiProperty({ type: String, nullable: true }) snapshot_id!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) published_at!: string | null;
  @ApiProperty({ type: FreshnessDto, description: 'Stale data still serves: ready stays true' })
  details!: FreshnessDto;
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly reader: SnapshotReaderService,
    private readonly metrics: MetricsService,
  ) {}

  @Get('live')
  @Endpoint({ summary: 'Liveness', operationId: 'live', access: 'public' })
  @ApiOkResponse({ type: LiveDto, description: 'The process is up' })
  live(): LiveDto {
    return { status: 'ok' };
  }

  /** Ready only once a gold snapshot is loaded (SPEC §8). */
  @Get('ready')
  @Endpoint({ summary: 'Readiness: a gold snapshot is loaded', operationId: 'ready', access: 'public' })
  @ApiOkResponse({ type: ReadyDto, description: 'A snapshot is loaded' })
  @ApiServiceUnavailableResponse({ type: ReadyDto, description: 'No snapshot loaded yet' })
  ready(@Res({ passthrough: true }) reply: FastifyReply): ReadyDto {
    const snapshot = this.reader.snapshot();
    const { stale, age_seconds, max_age_seconds } = this.metrics.freshness();
    const details = { stale, age_seconds, max_age_seconds };
    if (!snapshot) {
      void reply.status(503);
      return { status: 'not_ready', snapshot_id: null, published_at: null, details };
    }
    return { status: 'ready', snapshot_id: snapshot.id, published_at: snapshot.publishedAt, details };
  }
}
