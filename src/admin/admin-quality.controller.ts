import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Endpoint } from '../common/http/endpoint.decorator';
import { AdminQualityService } from './admin-quality.service';
import { ListDqQueryDto } from './dto/list-dq.query.dto';
import { DqReport, DqReportDto } from './models/dq.model';

@ApiTags('admin')
@Controller('v1/admin/dq')
export class AdminQualityController {
  constructor(private readonly quality: AdminQualityService) {}

  @Get()
  @Endpoint({
    summary: 'Data-quality results of the latest checked run (or of run_id)',
    operationId: 'getDataQuality',
    access: 'admin',
    problems: [400, 404],
  })
  @ApiOkResponse({ type: DqReportDto, description: 'Check results with a summary' })
  report(@Query() query: ListDqQueryDto): DqReport {
    return this.quality.report(query);
  }
}
