import { ApiProperty } from '@nestjs/swagger';
import { Page, PageDto } from '../../common/pagination/page.dto';
import { Row } from '../../duckdb/duckdb';
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
  segment: string;
  favorite_category: string | null;
  events_30d: number;
  last_seen_at: string | null;
}

const MASKED = 'PII: shown per the caller’s role (clear, partial, an HMAC-SHA256 hash, or null).';

/** One customer of the customer_360 gold table (SPEC §5). */
export class CustomerDto {
  @ApiProperty({ example: 'C000123' })
  customer_id!: string;
  @ApiProperty({
    example: '755825496515909103',
    description: 'Surrogate key of the current dim_customer version (a 60-bit integer, as a string)',
  })
  customer_sk!: string;
  @ApiProperty({ type: String, nullable: true, example: 'a***@example.com', description: MASKED })
  email!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '***0123', description: MASKED })
  phone!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'A***', description: MASKED })
  first_name!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'B***', description: MASKED })
  last_name!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '1987-04-12',
    description: `YYYY-MM-DD; the year only (YYYY) when partially masked. ${MASKED}`,
  })
  birth_date!: string | null;
  @ApiProperty({ type: String, nullable: true, description: MASKED })
  street!: string | null;
  @ApiProperty({ type: String, nullable: true, description: MASKED })
  city!: string | null;
  @ApiProperty({ type: String, nullable: true, description: MASKED })
  state!: string | null;
  @ApiProperty({ type: String, nullable: true, description: MASKED })
  postal_code!: string | null;
  @ApiProperty({ example: 'DE', description: 'ISO-2 country code' })
  country!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  signup_at!: string | null;
  @ApiProperty({ type: Boolean, nullable: true })
  marketing_opt_in!: boolean | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Start of the current profile version',
  })
  profile_valid_from!: string | null;
  @ApiProperty({ type: 'integer', description: 'Counted orders (not cancelled or returned)' })
  orders_count!: number;
  @ApiProperty({ type: Number, example: 1234.5, description: 'Sum of counted orders, 2 decimals' })
  lifetime_value!: number;
  @ApiProperty({ type: Number, nullable: true, example: 61.73, description: 'null without orders' })
  avg_order_value!: number | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  first_order_at!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_order_at!: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Whole days since the last counted order' })
  recency_days!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, minimum: 1, maximum: 5 })
  r_score!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, minimum: 1, maximum: 5 })
  f_score!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, minimum: 1, maximum: 5 })
  m_score!: number | null;
  @ApiProperty({ enum: Segment, enumName: 'Segment' })
  segment!: string;
  @ApiProperty({ type: String, nullable: true })
  favorite_category!: string | null;
  @ApiProperty({ type: 'integer', description: 'Events in the 30 days up to as_of' })
  events_30d!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_seen_at!: string | null;
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
