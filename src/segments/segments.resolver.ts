import { Context, Query, Resolver } from '@nestjs/graphql';
import { RequirePermission } from '../auth/auth.decorators';
import { GraphqlContext } from '../graphql/graphql-context';
import { SegmentSummaryDto, SegmentSummaryRow } from './models/segment-summary.model';
import { SegmentsService } from './segments.service';

@Resolver(() => SegmentSummaryDto)
export class SegmentsResolver {
  constructor(private readonly segmentService: SegmentsService) {}

  @Query(() => [SegmentSummaryDto], {
    description: 'Segment summary, in rule order',
    complexity: ({ childComplexity }) => 1 + childComplexity * 10,
  })
  @RequirePermission('read')
  async segments(@Context() ctx: GraphqlContext): Promise<SegmentSummaryRow[]> {
    const result = await this.segmentService.list(ctx.principal);
    ctx.snapshotIds.add(result.snapshotId);
    return result.body.data;
  }
}
