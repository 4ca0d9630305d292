import { ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { Row } from '../../duckdb/duckdb';
import { ApiField } from '../../graphql/api-field.decorator';
import { MASKED } from './customer.model';

/** One SCD Type 2 version of a customer (dim_customer). */
export interface CustomerVersionRow extends Row {
  customer_id: string;
  customer_sk: string;
  version: number;
  valid_from: string;
  valid_to: string | null;
  is_current: boolean;
  is_deleted: boolean;
  email: string | null;
  phone: string | null;
  first_name: string | null;
  last_name: string | null;
  birth_date: string | null;
  street: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  country: string | null;
  signup_at: string | null;
  marketing_opt_in: boolean | null;
}

@ObjectType('CustomerVersion', { description: 'One profile version (SCD Type 2), PII masked' })
export class CustomerVersionDto {
  @ApiProperty({ example: 'C000123', description: 'REST only (GraphQL versions hang under their customer)' })
  customer_id!: string;
  @ApiField({ kind: 'string', description: 'Surrogate key of the version (60-bit integer as a string)' })
  customer_sk!: string;
  @ApiField({ kind: 'int', minimum: 1, description: '1 for the first version' })
  version!: number;
  @ApiField({ kind: 'datetime', description: 'Source change time that started the version' })
  valid_from!: string;
  @ApiField({
    kind: 'datetime',
    nullable: true,
    description: 'Start of the next version; null while current',
  })
  valid_to!: string | null;
  @ApiField({ kind: 'boolean' })
  is_current!: boolean;
  @ApiField({ kind: 'boolean', description: 'The customer was deleted at valid_to' })
  is_deleted!: boolean;
  @ApiField({ kind: 'string', nullable: true, description: MASKED })
  email!: string | null;
  @ApiField({ kind: 'string', nullable: true, description: MASKED })
  phone!: string | null;
  @ApiField({ kind: 'string', nullable: true, description: MASKED })
  first_name!: string | null;
  @ApiField({ kind: 'string', nullable: true, description: MASKED })
  last_name!: string | null;
  @ApiField({ kind: 'string', nullable: true, description: MASKED })
  birth_date!: string | null;
  @ApiField({ kind: 'string', nullable: true, description: MASKED })
  street!: string | null;
  @ApiField({ kind: 'string', nullable: true, description: MASKED })
  city!: string | null;
  @ApiField({ kind: 'string', nullable: true, description: MASKED })
  state!: string | null;
  @ApiField({ kind: 'string', nullable: true, description: MASKED })
  postal_code!: string | null;
  @ApiField({ kind: 'string', nullable: true, example: 'DE' })
  country!: string | null;
  @ApiField({ kind: 'datetime', nullable: true })
  signup_at!: string | null;
  @ApiField({ kind: 'boolean', nullable: true })
  marketing_opt_in!: boolean | null;
}

export class CustomerHistoryDto {
  @ApiProperty({ type: [CustomerVersionDto], description: 'Oldest version first' })
  data!: CustomerVersionDto[];
}

export interface CustomerHistory {
  data: CustomerVersionRow[];
}
