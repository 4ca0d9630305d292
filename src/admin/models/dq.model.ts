import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DqResult, RunStatus } from '../../runs/run.model';

class DqCheckResultDto {
  @ApiProperty() table!: string;
  @ApiProperty() check!: string;
  @ApiPropertyOptional({
    description: 'not_null, unique, accepted_values, range, relationships, row_count, freshness, sql',
  })
  type?: string;
  @ApiProperty({ enum: ['critical', 'warn'] }) severity!: string;
  @ApiProperty() passed!: boolean;
  @ApiProperty({ type: 'integer' }) failing_rows!: number;
  @ApiPropertyOptional({
    enum: ['table', 'changed_customers'],
    description: 'changed_customers: an incremental run checked only the rows it rewrote',
  })
  scope?: string;
}

class DqSummaryDto {
  @ApiProperty({ type: 'integer' }) checks!: number;
  @ApiProperty({ type: 'integer' }) passed!: number;
  @ApiProperty({ type: 'integer' }) failed_critical!: number;
  @ApiProperty({ type: 'integer' }) failed_warn!: number;
}

/** Data-quality results of one run (GET /v1/admin/dq). */
export class DqReportDto {
  @ApiProperty({ type: String, nullable: true, description: 'null before any run checked gold' }) run_id!:
    string | null;
  @ApiProperty({ type: String, nullable: true }) run_status!: string | null;
  @ApiProperty({ type: String, nullable: true }) snapshot_id!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finished_at!: string | null;
  @ApiProperty({ type: DqSummaryDto }) summary!: DqSummaryDto;
  @ApiProperty({ type: [DqCheckResultDto] }) data!: DqCheckResultDto[];
}

export interface DqReport {
  run_id: string | null;
  run_status: RunStatus | null;
  snapshot_id: string | null;
  finished_at: string | null;
  summary: { checks: number; passed: number; failed_critical: number; failed_warn: number };
  data: DqResult[];
}
