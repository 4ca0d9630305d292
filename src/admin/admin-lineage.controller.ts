import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Endpoint } from '../common/http/endpoint.decorator';
import { AdminLineageService } from './admin-lineage.service';
import { ListLineageQueryDto } from './dto/list-lineage.query.dto';
import { LineageList, LineageListDto } from './models/lineage.model';

@ApiTags('admin')
@Controller('v1/admin/lineage')
export class AdminLineageController {
  constructor(private readonly lineage: AdminLineageService) {}

  @Get()
  @Endpoint({
    summary: 'OpenLineage run events of the builds, newest run first',
    operationId: 'listLineage',
    access: 'admin',
    problems: [400],
  })
  @ApiOkResponse({ type: LineageListDto, description: 'Events, paginated' })
  list(@Query() query: ListLineageQueryDto): LineageList {
    return this.lineage.list(query);
  }
}
