import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { Endpoint, SNAPSHOT_RESPONSE_HEADERS } from '../common/http/endpoint.decorator';
import { SnapshotResult } from '../serving/snapshot-result';
import { DailyMetricsService } from './daily-metrics.service';
import { OrdersDailyQueryDto } from './dto/orders-daily.query.dto';
import { DailyOrdersList, DailyOrdersListDto } from './models/daily-orders.model';

@ApiTags('metrics')
@Controller('v1/metrics')
export class DailyMetricsController {
  constructor(private readonly metrics: DailyMetricsService) {}

  @Get('orders-daily')
  @Endpoint({
    summary: 'Orders, revenue and customers per UTC day (orders_daily)',
    operationId: 'getOrdersDaily',
    access: 'read',
    snapshot: true,
    problems: [400, 503],
  })
  @ApiOkResponse({ type: DailyOrdersListDto, headers: SNAPSHOT_RESPONSE_HEADERS, description: 'The days' })
  ordersDaily(
    @Query() query: OrdersDailyQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SnapshotResult<DailyOrdersList>> {
    return this.metrics.ordersDaily(query.from, query.to, principal);
  }
}
