import { Body, Controller, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { Endpoint } from '../common/http/endpoint.decorator';
import { PROBLEM_CONTENT_TYPE } from '../common/problem';
import { CdcSourceParams, IngestEventsQueryDto } from './dto/ingest-events.query.dto';
import { IngestOutcome, IngestService } from './ingest.service';
import { IngestAcceptedDto, IngestRejectedDto } from './models/ingest.model';

const BODY = {
  description:
    'A JSON array of objects (application/json) or one JSON object per line (application/x-ndjson). ' +
    'Every line must pass the source contract, or nothing is accepted.',
  schema: { oneOf: [{ type: 'array', items: { type: 'object' } }, { type: 'string' }] },
};

const REJECTED = {
  status: 400,
  description: 'Lines break the contract (each listed in `errors`), or the body holds no lines',
  content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(IngestRejectedDto) } } },
};

@ApiTags('ingest')
@ApiExtraModels(IngestRejectedDto)
@Controller('v1/ingest')
export class IngestController {
  constructor(private readonly ingest: IngestService) {}

  @Post('events')
  @Endpoint({
    summary: 'Accept behaviour events',
    operationId: 'ingestEvents',
    access: 'ingest',
    problems: [404, 413, 415],
    description:
      'Durable on disk before the 202; loaded by the next incremental build. Idempotent by event_id: ' +
      'a re-sent event collapses with the first.',
  })
  @ApiConsumes('application/json', 'application/x-ndjson')
  @ApiBody(BODY)
  @ApiAcceptedResponse({ type: IngestAcceptedDto, description: 'Every line accepted and durable' })
  @ApiResponse(REJECTED)
  async events(
    @Body() body: unknown,
    @Query() query: IngestEventsQueryDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return answer(reply, await this.ingest.ingestEvents(body, request.id, query.source));
  }

  @Post('cdc/:source')
  @Endpoint({
    summary: 'Accept Debezium change envelopes',
    operationId: 'ingestCdc',
    access: 'ingest',
    problems: [404, 413, 415],
    description:
      'Envelopes (before, after, op c/u/d/r, ts_ms, source position) for a debezium source; applied ' +
      'in source order by the next build. A re-sent envelope or a re-emitted snapshot row changes nothing.',
  })
  @ApiConsumes('application/json', 'application/x-ndjson')
  @ApiBody(BODY)
  @ApiAcceptedResponse({ type: IngestAcceptedDto, description: 'Every envelope accepted and durable' })
  @ApiResponse(REJECTED)
  async cdc(
    @Param() params: CdcSourceParams,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return answer(reply, await this.ingest.ingestCdc(params.source, body, request.id));
  }
}

/** 202 with the receipt, or a problem+json 400 listing every bad line. */
function answer(reply: FastifyReply, outcome: IngestOutcome): unknown {
  void reply.status(outcome.status);
  if (outcome.status === 400) void reply.header('content-type', PROBLEM_CONTENT_TYPE);
  return outcome.body;
}
