import { Args, Context, Query, Resolver } from '@nestjs/graphql';
import { RequirePermission } from '../auth/auth.decorators';
import { GraphqlContext } from '../graphql/graphql-context';
import { DailyMetricsService, MAX_RANGE_DAYS } from './daily-metrics.service';
import { OrdersDailyArgs } from './dto/orders-daily.query.dto';
import { DailyOrdersDto, DailyOrdersRow } from './models/daily-orders.model';
import { daysBetween } from '../common/validation/iso-time';

@Resolver(() => DailyOrdersDto)
export class DailyMetricsResolver {
  constructor(private readonly metrics: DailyMetricsService) {}

  @Query(() => [DailyOrdersDto], {
    description: 'Counted orders per UTC day from `from` to `to` (inclusive); days without orders are absent',
    // One item per day of the range.
    complexity: ({ args, childComplexity }) => {
      const days =
        typeof args.from === 'string' && typeof args.to === 'string'
          ? daysBetween(args.from, args.to) + 1
          : 1;
      return 1 + childComplexity * Math.min(Math.max(days, 1), MAX_RANGE_DAYS);
    },
  })
  @RequirePermission('read')
  async ordersDaily(
    @Args() args: OrdersDailyArgs,
    @Context() ctx: GraphqlContext,
  ): Promise<DailyOrdersRow[]> {
    const result = await this.metrics.ordersDaily(args.from, args.to, ctx.principal);
    ctx.snapshotIds.add(result.snapshotId);
    return result.body.data;
  }
}
