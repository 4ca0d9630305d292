import { ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { Page, PageDto } from '../../common/pagination/page.dto';
import { Row } from '../../duckdb/duckdb';
import { ApiField } from '../../graphql/api-field.decorator';

/** One behaviour event (fact_events). */
export interface EventRow extends Row {
  event_id: string;
  customer_id: string;
  customer_sk: string | null;
  event_ts: string;
  event_type: string | null;
  session_id: string | null;
  device: string | null;
  product_id: string | null;
}

@ObjectType('Event')
export class EventDto {
  @ApiField({ kind: 'id', example: 'E0000007788' })
  event_id!: string;
  @ApiProperty({ example: 'C000123', description: 'REST only (GraphQL events hang under their customer)' })
  customer_id!: string;
  @ApiField({ kind: 'string', nullable: true, description: 'Customer version valid at event_ts' })
  customer_sk!: string | null;
  @ApiField({ kind: 'datetime' })
  event_ts!: string;
  @ApiField({ kind: 'string', nullable: true, example: 'checkout' })
  event_type!: string | null;
  @ApiField({ kind: 'string', nullable: true })
  session_id!: string | null;
  @ApiField({ kind: 'string', nullable: true, example: 'ios' })
  device!: string | null;
  @ApiField({ kind: 'string', nullable: true })
  product_id!: string | null;
}

export class EventPageDto {
  @ApiProperty({ type: [EventDto], description: 'Newest first' })
  data!: EventDto[];
  @ApiProperty({ type: PageDto })
  page!: PageDto;
}

export interface EventPage {
  data: EventRow[];
  page: Page;
}
