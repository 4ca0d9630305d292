import { Body, Controller, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { Endpoint } from '../common/http/endpoint.decorator';
import { BackfillReport } from '../pipeline/backfill-plan';
import { RunRecord } from '../runs/run.model';
import { AdminBackfillsService } from './admin-backfills.service';
import { CreateBackfillDto } from './dto/create-backfill.dto';
import { BackfillReportDto } from './models/backfill.model';
import { RunDto } from './models/run.model';

@ApiTags('admin')
@Controller('v1/admin/backfills')
export class AdminBackfillsController {
  constructor(private readonly backfills: AdminBackfillsService) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @Endpoint({
    summary: 'Re-extract and rebuild a window of source data',
    operationId: 'createBackfill',
    access: 'admin',
    problems: [400, 409, 413],
    description:
      'A run with trigger `backfill`; with `dry_run: true`, the report of what it would re-read and rebuild (200).',
  })
  @ApiBody({ type: CreateBackfillDto })
  @ApiAcceptedResponse({ type: RunDto, description: 'The backfill run' })
  @ApiOkResponse({ type: BackfillReportDto, description: 'Dry run: what would be re-read and rebuilt' })
  async create(
    @Body() body: CreateBackfillDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BackfillReport | RunRecord> {
    const result = await this.backfills.start(body.from, body.to, body.dry_run, principal.sub);
    if (body.dry_run) reply.status(HttpStatus.OK);
    return result;
  }
}
