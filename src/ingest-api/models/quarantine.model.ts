import { ApiProperty } from '@nestjs/swagger';
import { Page, PageDto } from '../../common/pagination/page.dto';

/** A quarantined row (SPEC §7): `{ source, run_id, reason, line, raw }` plus where it came from. */
export class QuarantineRowDto {
  @ApiProperty({ example: 'customers' }) source!: string;
  @ApiProperty() run_id!: string;
  @ApiProperty({ description: 'Machine-readable reason code', example: 'pattern:email' }) reason!: string;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'Physical line (CSV header = 1) or row number',
  })
  line!: number | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "The raw row, PII fields masked for the caller's role; null when it cannot be shown",
  })
  raw!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'File, object or table the row came from' })
  file!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) quarantined_at!: string | null;
  @ApiProperty({ description: 'Whether raw was masked (or withheld) for the caller' }) masked!: boolean;
}

export class QuarantineListDto {
  @ApiProperty({ type: [QuarantineRowDto], description: 'Newest run first, then source, file and line' })
  data!: QuarantineRowDto[];
  @ApiProperty({ type: PageDto }) page!: PageDto;
}

export interface QuarantineRow {
  source: string;
  run_id: string;
  reason: string;
  line: number | null;
  raw: string | null;
  file: string | null;
  quarantined_at: string | null;
  masked: boolean;
}

export interface QuarantineList {
  data: QuarantineRow[];
  page: Page;
}
