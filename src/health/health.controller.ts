import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { Endpoint } from '../common/http/endpoint.decorator';
import { SnapshotReaderService } from '../serving/snapshot-reader.service';

class LiveDto {
  @ApiProperty({ example: 'ok' }) status!: string;
}

class ReadyDto {
  @ApiProperty({ enum: ['ready', 'not_ready'] }) status!: 'ready' | 'not_ready';
  @ApiProperty({ type: String, nullable: true }) snapshot_id!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) published_at!: string | null;
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly reader: SnapshotReaderService) {}

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
    if (!snapshot) {
      void reply.status(503);
      return { status: 'not_ready', snapshot_id: null, published_at: null };
    }
    return { status: 'ready', snapshot_id: snapshot.id, published_at: snapshot.publishedAt };
  }
}
