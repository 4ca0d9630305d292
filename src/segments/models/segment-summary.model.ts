import { ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { Row } from '../../duckdb/duckdb';
import { ApiField } from '../../graphql/api-field.decorator';

/** A segment_summary row. */
export interface SegmentSummaryRow extends Row {
  segment: string;
  position: number;
  customers: number;
  share: number | null;
  total_lifetime_value: number;
  avg_lifetime_value: number | null;
  avg_recency_days: number | null;
}

@ObjectType('SegmentSummary', {
  description: 'One RFM segment (over the caller’s countries when scoped); empty segments included',
})
export class SegmentSummaryDto {
  @ApiField({ kind: 'string', example: 'champions' })
  segment!: string;
  @ApiField({ kind: 'int', minimum: 1, description: 'Order of the rule in gold/segments.yaml' })
  position!: number;
  @ApiField({ kind: 'int' })
  customers!: number;
  @ApiField({ kind: 'float', nullable: true, description: 'customers / all customers, 4 decimals' })
  share!: number | null;
  @ApiField({ kind: 'float', description: 'Sum of lifetime values, 2 decimals' })
  total_lifetime_value!: number;
  @ApiField({ kind: 'float', nullable: true, description: 'Rounded half away from zero; null when empty' })
  avg_lifetime_value!: number | null;
  @ApiField({ kind: 'float', nullable: true, description: '1 decimal; null without buyers' })
  avg_recency_days!: number | null;
}

export class SegmentListDto {
  @ApiProperty({ type: [SegmentSummaryDto], description: 'In rule order' })
  data!: SegmentSummaryDto[];
}

export interface SegmentList {
  data: SegmentSummaryRow[];
}
