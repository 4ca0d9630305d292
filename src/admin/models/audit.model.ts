import { ApiProperty } from '@nestjs/swagger';
import { AUDIT_KINDS, AUDIT_TARGET_TYPES, AuditEntry } from '../../audit/audit.model';
import { Page, PageDto } from '../../common/pagination/page.dto';

/** One audited request (admin action or clear-PII read); identifiers only, never PII. */
export class AuditEntryDto {
  @ApiProperty({ description: 'Time-ordered id' }) id!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ description: '`sub` of the caller’s token' }) actor!: string;
  @ApiProperty({ type: [String] }) roles!: string[];
  @ApiProperty({ enum: AUDIT_KINDS, enumName: 'AuditKind' }) kind!: string;
  @ApiProperty({ description: 'REST operationId or `graphql.<field>`' }) action!: string;
  @ApiProperty({ enum: ['rest', 'graphql'] }) transport!: string;
  @ApiProperty({ enum: AUDIT_TARGET_TYPES, enumName: 'AuditTargetType', nullable: true })
  target_type!: string | null;
  @ApiProperty({ type: [String], description: 'Customers, runs, snapshots or sources concerned' })
  target_ids!: string[];
  @ApiProperty() request_id!: string;
  @ApiProperty({ type: 'integer', description: 'HTTP status of the outcome' }) status!: number;
}

export class AuditListDto {
  @ApiProperty({ type: [AuditEntryDto] }) data!: AuditEntryDto[];
  @ApiProperty({ type: PageDto }) page!: PageDto;
}

export interface AuditList {
  data: AuditEntry[];
  page: Page;
}
