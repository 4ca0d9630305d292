import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Endpoint } from '../common/http/endpoint.decorator';
import { AdminAuditService } from './admin-audit.service';
import { ListAuditQueryDto } from './dto/list-audit.query.dto';
import { AuditList, AuditListDto } from './models/audit.model';

@ApiTags('admin')
@Controller('v1/admin/audit')
export class AdminAuditController {
  constructor(private readonly audit: AdminAuditService) {}

  @Get()
  @Endpoint({
    summary: 'Audit log: admin actions and clear-PII reads, newest first',
    operationId: 'listAudit',
    access: 'admin',
    problems: [400],
    description:
      'Who (token `sub`, roles), when, which action, which customers, runs or snapshots, and the outcome status. ' +
      'Entries hold identifiers only, never PII values, query strings or tokens.',
  })
  @ApiOkResponse({ type: AuditListDto, description: 'Entries, paginated' })
  list(@Query() query: ListAuditQueryDto): AuditList {
    return this.audit.list(query);
  }
}
