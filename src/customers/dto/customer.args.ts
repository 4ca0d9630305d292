import { ArgsType, Field, Float, ID, InputType, registerEnumType } from '@nestjs/graphql';
import {
  ArrayMaxSize,
  IsArray,
  IsDate,
  IsEnum,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Type } from 'class-transformer';
import {
  IDENTIFIER,
  IDENTIFIER_RULE,
  ValidateGraphqlCursor,
  ValidateGraphqlFirst,
} from '../../common/validation/validators';
import { DateTimeScalar } from '../../graphql/scalars';
import { CustomerSort } from '../customer-sort';

/** GraphQL names of the REST sort orders (same values underneath). */
export enum CustomerSortField {
  CUSTOMER_ID = 'customer_id',
  LIFETIME_VALUE_DESC = '-lifetime_value',
  LAST_ORDER_AT_DESC = '-last_order_at',
  RECENCY_DAYS = 'recency_days',
}

registerEnumType(CustomerSortField, {
  name: 'CustomerSort',
  description: 'customer_id ascending; lifetime value or last order descending; recency ascending',
});

export const toCustomerSort = (sort: CustomerSortField): CustomerSort => sort as string as CustomerSort;

const MONEY = { allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 };

@InputType('CustomerFilter')
export class CustomerFilterInput {
  @Field(() => [String], { nullable: true, description: 'Any of these segments' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(/^[a-z0-9_]{1,64}$/, { each: true, message: 'segment must be a segment name (a-z, 0-9, _)' })
  segment?: string[] | null;

  @Field(() => String, { nullable: true, description: 'ISO-2 country code' })
  @IsOptional()
  @Matches(/^[A-Za-z]{2}$/, { message: 'country must be an ISO-2 country code' })
  country?: string | null;

  @Field(() => Float, { nullable: true, description: 'Minimum lifetime value (inclusive)' })
  @IsOptional()
  @IsNumber(MONEY, { message: 'minLtv must be an amount with at most 2 decimals' })
  @Min(0)
  @Max(1e15)
  minLtv?: number | null;

  @Field(() => Float, { nullable: true, description: 'Maximum lifetime value (inclusive)' })
  @IsOptional()
  @IsNumber(MONEY, { message: 'maxLtv must be an amount with at most 2 decimals' })
  @Min(0)
  @Max(1e15)
  maxLtv?: number | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Last counted order at or after' })
  @IsOptional()
  @IsDate()
  lastOrderAfter?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Last counted order before' })
  @IsOptional()
  @IsDate()
  lastOrderBefore?: Date | null;

  @Field(() => String, {
    nullable: true,
    description: 'Exact email (case-insensitive); only for roles with the filter:email permission',
  })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  @Matches(/^\s*[^@\s]+@[^@\s]+\.[^@\s]+\s*$/, { message: 'email must be an email address' })
  email?: string | null;
}

@ArgsType()
export class CustomerArgs {
  @Field(() => ID)
  @IsString()
  @Matches(IDENTIFIER, { message: `id must be ${IDENTIFIER_RULE}` })
  id!: string;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: "Point in time (not after the snapshot's as_of): profile version and metrics then",
  })
  @IsOptional()
  @IsDate()
  asOf?: Date | null;
}

@ArgsType()
export class CustomersArgs {
  @Field(() => CustomerFilterInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => CustomerFilterInput)
  filter?: CustomerFilterInput | null;

  @Field(() => CustomerSortField, { defaultValue: CustomerSortField.CUSTOMER_ID })
  @IsEnum(CustomerSortField)
  sort: CustomerSortField = CustomerSortField.CUSTOMER_ID;

  @ValidateGraphqlFirst(50)
  first: number = 50;

  @ValidateGraphqlCursor()
  after?: string | null;
}

/** `first`/`after` of a customer's nested connections (orders, events). */
@ArgsType()
export class NestedPageArgs {
  @ValidateGraphqlFirst(10)
  first: number = 10;

  @ValidateGraphqlCursor()
  after?: string | null;
}
