import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsEnum, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import {
  DEFAULT_PAGE_LIMIT,
  ValidateBooleanFlag,
  ValidateCountry,
  ValidateCursor,
  ValidateIsoInstant,
  ValidateLimit,
  ValidateMoney,
} from '../../common/validation/validators';
import { CustomerSort, Segment } from '../customer-sort';
import { CustomerListRequest } from '../customers.service';

const lastValue = (value: unknown): unknown => (Array.isArray(value) ? value[value.length - 1] : value);

/** Query of `GET /v1/customers` (SPEC §8). */
export class ListCustomersQueryDto {
  @ApiPropertyOptional({
    enum: Segment,
    enumName: 'Segment',
    isArray: true,
    description: 'Repeatable; each must be a segment of the active snapshot',
  })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? [value] : value))
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(/^[a-z0-9_]{1,64}$/, { each: true, message: 'segment must be a segment name (a-z, 0-9, _)' })
  segment?: string[];

  @ValidateCountry('ISO-2 country code (any case)')
  country?: string;

  @ValidateMoney('Minimum lifetime_value (inclusive)')
  min_ltv?: string;

  @ValidateMoney('Maximum lifetime_value (inclusive)')
  max_ltv?: string;

  @ValidateIsoInstant('Last counted order at or after this instant (a date means 00:00 UTC)')
  last_order_after?: Date;

  @ValidateIsoInstant('Last counted order before this instant (a date means 00:00 UTC)')
  last_order_before?: Date;

  @ApiPropertyOptional({
    type: String,
    description: 'Exact email (case-insensitive); only for roles with the `filter:email` permission',
  })
  @IsOptional()
  @Transform(({ value }) => {
    const raw = lastValue(value);
    return typeof raw === 'string' ? raw.trim().toLowerCase() : raw;
  })
  @IsString()
  @MaxLength(254)
  @Matches(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, { message: 'email must be an email address' })
  email?: string;

  @ApiPropertyOptional({ enum: CustomerSort, enumName: 'CustomerSort', default: CustomerSort.CustomerId })
  @IsOptional()
  @Transform(({ value }) => lastValue(value))
  @IsEnum(CustomerSort, { message: `sort must be one of ${Object.values(CustomerSort).join(', ')}` })
  sort: CustomerSort = CustomerSort.CustomerId;

  @ValidateLimit()
  limit: number = DEFAULT_PAGE_LIMIT;

  @ValidateCursor()
  cursor?: string;

  @ValidateBooleanFlag('Adds page.total, the number of rows matching the filters')
  include_total: boolean = false;
}

/** The service request of a REST list query. */
export function toListRequest(query: ListCustomersQueryDto): CustomerListRequest {
  return {
    filter: {
      segments: query.segment,
      country: query.country,
      minLtv: query.min_ltv,
      maxLtv: query.max_ltv,
      lastOrderAfter: query.last_order_after?.toISOString(),
      lastOrderBefore: query.last_order_before?.toISOString(),
      email: query.email,
    },
    sort: query.sort,
    limit: query.limit,
    cursor: query.cursor,
    includeTotal: query.include_total,
  };
}
