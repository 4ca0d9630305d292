import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { Endpoint, SNAPSHOT_RESPONSE_HEADERS } from '../common/http/endpoint.decorator';
import { NoQuery } from '../common/http/no-query.decorator';
import { SnapshotResult } from '../serving/snapshot-result';
import { SegmentList, SegmentListDto } from './models/segment-summary.model';
import { SegmentsService } from './segments.service';

@ApiTags('segments')
@Controller('v1/segments')
export class SegmentsController {
  constructor(private readonly segments: SegmentsService) {}

  @Get()
  @Endpoint({
    summary: 'Segment summary (customers, share, lifetime value, recency per segment)',
    operationId: 'listSegments',
    access: 'read',
    snapshot: true,
    problems: [400, 503],
  })
  @ApiOkResponse({ type: SegmentListDto, headers: SNAPSHOT_RESPONSE_HEADERS, description: 'Every segment' })
  list(
    @NoQuery() _query: void,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SnapshotResult<SegmentList>> {
    return this.segments.list(principal);
  }
}
