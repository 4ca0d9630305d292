import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Endpoint } from '../common/http/endpoint.decorator';
import { RunRecord } from '../runs/run.model';
import { AdminRunsService } from './admin-runs.service';
import { CreateRunDto } from './dto/create-run.dto';
import { ListRunsQueryDto } from './dto/list-runs.query.dto';
import { RunIdParams } from './dto/run-id.params';
import { RunDto, RunList, RunListDto } from './models/run.model';

@ApiTags('admin')
@Controller('v1/admin/runs')
export class AdminRunsController {
  constructor(private readonly runs: AdminRunsService) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @Endpoint({
    summary: 'Start a pipeline run',
    operationId: 'createRun',
    access: 'admin',
    problems: [400, 409, 413],
  })
  @ApiBody({ type: CreateRunDto, required: false })
  @ApiAcceptedResponse({ type: RunDto, description: 'The queued run' })
  create(@Body() body: CreateRunDto): Promise<RunRecord> {
    return this.runs.trigger(body.mode);
  }

  @Get()
  @Endpoint({
    summary: 'Recent runs, newest first',
    operationId: 'listRuns',
    access: 'admin',
    problems: [400],
  })
  @ApiOkResponse({ type: RunListDto, description: 'Runs, newest first' })
  list(@Query() query: ListRunsQueryDto): RunList {
    return this.runs.list(query.limit);
  }

  @Get(':id')
  @Endpoint({ summary: 'One run', operationId: 'getRun', access: 'admin', problems: [400, 404] })
  @ApiOkResponse({ type: RunDto, description: 'The run' })
  get(@Param() params: RunIdParams): RunRecord {
    return this.runs.get(params.id);
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.ACCEPTED)
  @Endpoint({
    summary: 'Request cancellation of a run',
    operationId: 'cancelRun',
    access: 'admin',
    problems: [400, 404],
  })
  @ApiAcceptedResponse({ type: RunDto, description: 'The run (unchanged when it had already ended)' })
  cancel(@Param() params: RunIdParams): Promise<RunRecord> {
    return this.runs.cancel(params.id);
  }
}
