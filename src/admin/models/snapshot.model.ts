import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SnapshotSummary } from '../../snapshots/snapshot.store';

/** A published gold snapshot (GET /v1/admin/snapshots). */
export class SnapshotDto {
  @ApiProperty() snapshot_id!: string;
  @ApiProperty({ description: 'The run that built it' }) run_id!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time', description: '"now" of the build' }) as_of!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'object', properties: { rows: { type: 'integer' } } },
    description: 'Row count per gold table',
  })
  tables!: Record<string, { rows: number }>;
  @ApiProperty({ type: [String] }) segments!: string[];
  @ApiProperty({ description: 'Served now' }) active!: boolean;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When it was last made active',
  })
  published_at!: string | null;
  @ApiPropertyOptional({ enum: ['full', 'incremental'] }) build?: string;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'The snapshot an incremental build started from',
  })
  base_snapshot_id?: string | null;
  @ApiPropertyOptional({ type: [String], description: 'Tables that only feed other models' })
  internal_tables?: string[];
}

export class SnapshotListDto {
  @ApiProperty({ type: [SnapshotDto], description: 'Newest first' })
  data!: SnapshotDto[];
}

export interface SnapshotList {
  data: SnapshotSummary[];
}
