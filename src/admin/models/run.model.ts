import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RUN_MODES, RUN_STATUSES, RUN_TRIGGERS, RunRecord } from '../../runs/run.model';

class RunStepDto {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['running', 'succeeded', 'failed', 'skipped'] }) status!: string;
  @ApiProperty({ format: 'date-time' }) started_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finished_at!: string | null;
  @ApiProperty({ type: 'integer' }) rows_in!: number;
  @ApiProperty({ type: 'integer' }) rows_out!: number;
}

class SourceReconciliationDto {
  @ApiProperty() name!: string;
  @ApiProperty({ type: 'integer', description: 'read = loaded + quarantined' }) read!: number;
  @ApiProperty({ type: 'integer' }) loaded!: number;
  @ApiProperty({ type: 'integer' }) quarantined!: number;
  @ApiProperty({ type: String, nullable: true }) watermark_from!: string | null;
  @ApiProperty({ type: String, nullable: true }) watermark_to!: string | null;
  @ApiProperty({ type: [String] }) files!: string[];
}

class DqResultDto {
  @ApiProperty() table!: string;
  @ApiProperty() check!: string;
  @ApiProperty({ enum: ['critical', 'warn'] }) severity!: string;
  @ApiProperty() passed!: boolean;
  @ApiProperty({ type: 'integer' }) failing_rows!: number;
  @ApiPropertyOptional({ description: 'Check type (not_null, unique, freshness, sql, …)' }) type?: string;
  @ApiPropertyOptional({
    enum: ['table', 'changed_customers'],
    description: 'changed_customers: an incremental run checked only the rows it rewrote',
  })
  scope?: string;
}

class RunPlanDto {
  @ApiProperty({ enum: ['full', 'incremental'], description: 'From bronze, or only the changed customers' })
  kind!: string;
  @ApiProperty({ description: 'Why this kind of build' }) reason!: string;
  @ApiProperty({ type: String, nullable: true }) base_snapshot_id!: string | null;
  @ApiProperty({ type: 'integer', nullable: true }) changed_customers!: number | null;
  @ApiPropertyOptional({ type: [String], description: 'Table models kept from the base snapshot' })
  kept_models?: string[];
}

class RunWindowDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
}

class DriftEventDto {
  @ApiProperty() source!: string;
  @ApiProperty({ enum: ['new_column', 'missing_column'] }) kind!: string;
  @ApiProperty() column!: string;
  @ApiProperty() file!: string;
}

/** A pipeline run (SPEC §7). */
export class RunDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: RUN_TRIGGERS, enumName: 'RunTrigger' }) trigger!: string;
  @ApiProperty({ enum: RUN_MODES, enumName: 'RunMode' }) mode!: string;
  @ApiProperty({ enum: RUN_STATUSES, enumName: 'RunStatus' }) status!: string;
  @ApiProperty({ format: 'date-time' }) started_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finished_at!: string | null;
  @ApiProperty({ minimum: 0, maximum: 1 }) progress!: number;
  @ApiProperty({ type: String, nullable: true }) snapshot_id!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) as_of!: string | null;
  @ApiProperty({ type: [RunStepDto] }) steps!: RunStepDto[];
  @ApiProperty({ type: [SourceReconciliationDto] }) sources!: SourceReconciliationDto[];
  @ApiProperty({ type: [DqResultDto] }) dq!: DqResultDto[];
  @ApiProperty({ type: [DriftEventDto] }) drift!: DriftEventDto[];
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ type: 'integer', description: 'Process that ran the build' }) pid!: number;
  @ApiPropertyOptional({ type: RunPlanDto, nullable: true, description: 'How the run builds gold' })
  plan?: RunPlanDto | null;
  @ApiPropertyOptional({
    type: RunWindowDto,
    nullable: true,
    description: 'Backfill runs: the re-extracted window',
  })
  window?: RunWindowDto | null;
}

export class RunListDto {
  @ApiProperty({ type: [RunDto], description: 'Newest first' })
  data!: RunDto[];
}

export interface RunList {
  data: RunRecord[];
}
