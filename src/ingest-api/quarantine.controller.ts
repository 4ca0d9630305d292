import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { Endpoint } from '../common/http/endpoint.decorator';
import { ListQuarantineQueryDto } from './dto/list-quarantine.query.dto';
import { QuarantineList, QuarantineListDto } from './models/quarantine.model';
import { QuarantineService } from './quarantine.service';

@ApiTags('admin')
@Controller('v1/admin/quarantine')
export class QuarantineController {
  constructor(private readonly quarantine: QuarantineService) {}

  @Get()
  @Endpoint({
    summary: 'Quarantined rows of every source and run',
    operationId: 'listQuarantine',
    access: 'admin',
    problems: [400],
    description:
      "Raw rows are masked by the caller's role, field by field as their source contract classifies them.",
  })
  @ApiOkResponse({ type: QuarantineListDto, description: 'Newest run first' })
  list(
    @Query() query: ListQuarantineQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<QuarantineList> {
    return this.quarantine.list(query, principal);
  }
}
