import { Field, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Page, PageDto } from '../../common/pagination/page.dto';
import { Row } from '../../duckdb/duckdb';
import { ApiField } from '../../graphql/api-field.decorator';
import { DateTimeScalar } from '../../graphql/scalars';
import { Segment } from '../customer-sort';

/** A customer_360 row as the repository reads it (decimals as numbers, timestamps ISO UTC). */
export interface CustomerRow extends Row {
  customer_id: string;
  customer_sk: string;
  email: string | null;
  phone: string | null;
  first_name: string | null;
  last_name: string | null;
  birth_date: string | null;
  street: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  country: string;
  signup_at: string | null;
  marketing_opt_in: boolean | null;
  profile_valid_from: string | null;
  orders_count: number;
  lifetime_value: number;
  avg_order_value: number | null;
  first_order_at: string | null;
  last_order_at: string | null;
  recency_days: number | null;
  r_score: number | null;
  f_score: number | null;
  m_score: number | null;
  segment: string | null;
  favorite_category: string | null;
  events_30d: number;
  last_seen_at: string | null;
}

/** A customer as of a past instant (`?as_of=`): the profile version valid then, metrics up to
 *  then. */
export interface CustomerAsOfRow extends CustomerRow {
  as_of: string;
}

export const MASKED = 'PII: shown per the caller’s role (clear, partial, an HMAC-SHA256 hash, or null).';

/** One customer of the customer_360 gold table (SPEC §5); GraphQL `Customer`. */
@ObjectType('Customer', { description: 'One customer (customer_360), PII masked per the caller' })
export class CustomerDto {
  @ApiField({ kind: 'id', example: 'C000123' })
  customer_id!: string;
  @ApiField({
    kind: 'string',
    example: '755825496515909103',
    description: 'Surrogate key of the dim_customer version served (a 60-bit integer, as a string)',
  })
  customer_sk!: string;
  @ApiField({ kind: 'string', nullable: true, example: 'a***@example.com', description: MASKED })
  email!: string | null;
  @ApiField({ kind: 'string', nullable: true, example: '***0123', description: MASKED })
  phone!: string | null;
  @ApiField({ kind: 'string', nullable: true, example: 'A***', description: MASKED })
  first_name!: string | null;
  @ApiField({ kind: 'string', nullable: true, example: 'B***', description: MASKED })
  last_name!: string | null;
  @ApiField({
    kind: 'string',
    nullable: true,
    example: '1987-04-12',
    description: `YYYY-MM-DD; the year only (YYYY) when partially masked. ${MASKED}`,
  })
  birth_date!: string | null;
  @ApiField({ kind: 'string', nullable: true, description: MASKED })
  street!: string | null;
  @ApiField({ kind: 'string', nullable: true, description: MASKED })
  city!: string | null;
  @ApiField({ kind: 'string', nullable: true, description: MASKED })
  state!: string | null;
  @ApiField({ kind: 'string', nullable: true, description: MASKED })
  postal_code!: string | null;
  @ApiField({ kind: 'string', example: 'DE', description: 'ISO-2 country code' })
  country!: string;
  @ApiField({ kind: 'datetime', nullable: true })
  signup_at!: string | null;
  @ApiField({ kind: 'boolean', nullable: true })
  marketing_opt_in!: boolean | null;
  @ApiField({ kind: 'datetime', nullable: true, description: 'Start of the profile version served' })
  profile_valid_from!: string | null;
  @ApiField({ kind: 'int', description: 'Counted orders (not cancelled or returned)' })
  orders_count!: number;
  @ApiField({ kind: 'float', example: 1234.5, description: 'Sum of counted orders, 2 decimals' })
  lifetime_value!: number;
  @ApiField({
    kind: 'float',
    nullable: true,
    example: 61.73,
    description: 'lifetime_value / orders_count, rounded half away from zero; null without orders',
  })
  avg_order_value!: number | null;
  @ApiField({ kind: 'datetime', nullable: true })
  first_order_at!: string | null;
  @ApiField({ kind: 'datetime', nullable: true })
  last_order_at!: string | null;
  @ApiField({ kind: 'int', nullable: true, description: 'Whole days since the last counted order' })
  recency_days!: number | null;
  @ApiField({
    kind: 'int',
    nullable: true,
    minimum: 1,
    maximum: 5,
    description: 'RFM score (5 is best); null without orders, and in point-in-time answers',
  })
  r_score!: number | null;
  @ApiField({ kind: 'int', nullable: true, minimum: 1, maximum: 5 })
  f_score!: number | null;
  @ApiField({ kind: 'int', nullable: true, minimum: 1, maximum: 5 })
  m_score!: number | null;
  @ApiField({
    kind: 'string',
    nullable: true,
    enum: { values: Segment, name: 'Segment' },
    description:
      'Segment of the snapshot (gold/segments.yaml). In a point-in-time answer (as_of) only ' +
      '`prospects` (no counted orders then) is known; otherwise null, as RFM ranks a whole population.',
  })
  segment!: string | null;
  @ApiField({ kind: 'string', nullable: true, description: 'Category with the greatest spend' })
  favorite_category!: string | null;
  @ApiField({ kind: 'int', description: 'Events in the 30 days up to as_of' })
  events_30d!: number;
  @ApiField({ kind: 'datetime', nullable: true, description: 'Latest event' })
  last_seen_at!: string | null;
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Only in point-in-time answers: the instant asked for',
  })
  @Field(() => DateTimeScalar, {
    name: 'asOf',
    nullable: true,
    description: 'Only in point-in-time answers (customer(asOf:)): the instant asked for',
  })
  as_of?: string;
}

export class CustomerPageDto {
  @ApiProperty({ type: [CustomerDto] })
  data!: CustomerDto[];
  @ApiProperty({ type: PageDto })
  page!: PageDto;
}

export interface CustomerPage {
  data: CustomerRow[];
  page: Page;
}

// Kept beside the DTO so a new column is added in one file.
export const CUSTOMER_COLUMNS: ReadonlyArray<keyof CustomerRow & string> = [
  'customer_id',
  'customer_sk',
  'email',
  'phone',
  'first_name',
  'last_name',
  'birth_date',
  'street',
  'city',
  'state',
  'postal_code',
  'country',
  'signup_at',
  'marketing_opt_in',
  'profile_valid_from',
  'orders_count',
  'lifetime_value',
  'avg_order_value',
  'first_order_at',
  'last_order_at',
  'recency_days',
  'r_score',
  'f_score',
  'm_score',
  'segment',
  'favorite_category',
  'events_30d',
  'last_seen_at',
];
