import { ApiProperty } from '@nestjs/swagger';

/** The answer to an accepted ingest request (202): the lines are durable on disk. */
export class IngestAcceptedDto {
  @ApiProperty({ description: 'The source the lines were spooled for', example: 'events_api' })
  source!: string;

  @ApiProperty({ type: 'integer', description: 'Lines accepted (all of the request)' })
  accepted!: number;

  @ApiProperty({ description: 'Name of the spool batch; the next incremental build loads it' })
  batch!: string;

  @ApiProperty({ format: 'date-time' })
  received_at!: string;
}

class LineErrorDto {
  @ApiProperty({ type: 'integer', description: '1-based line (or array element) of the request' })
  line!: number;

  @ApiProperty({
    description: 'Reason code, as quarantine uses it (required:event_id, type:event_ts, invalid_json, …)',
    example: 'required:event_id',
  })
  reason!: string;
}

/** 400 for a request with bad lines: nothing of it was accepted. */
export class IngestRejectedDto {
  @ApiProperty({ example: 'https://c360.dev/problems/ingest_rejected' }) type!: string;
  @ApiProperty({ example: 'Lines rejected' }) title!: string;
  @ApiProperty({ example: 400 }) status!: number;
  @ApiProperty({ example: '1 of 3 lines break the contract of events_api; nothing was accepted.' })
  detail!: string;
  @ApiProperty({ example: 'ingest_rejected' }) code!: string;
  @ApiProperty({ type: [LineErrorDto], description: 'Every bad line (at most 1000 listed)' })
  errors!: LineErrorDto[];
}

export interface IngestAccepted {
  source: string;
  accepted: number;
  batch: string;
  received_at: string;
}
