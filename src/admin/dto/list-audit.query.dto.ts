import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, Matches } from 'class-validator';
import {
  DEFAULT_PAGE_LIMIT,
  IDENTIFIER,
  IDENTIFIER_RULE,
  ValidateCursor,
  ValidateIsoInstant,
  ValidateLimit,
} from '../../common/validation/validators';

const single = (value: unknown): unknown => (Array.isArray(value) ? value[value.length - 1] : value);

export class ListAuditQueryDto {
  @ApiPropertyOptional({ description: 'Only entries of this caller (the token `sub`)', maxLength: 256 })
  @IsOptional()
  @Transform(({ value }) => single(value))
  @IsString()
  @Matches(/^[A-Za-z0-9_.:@|+=/-]{1,256}$/, {
    message: 'actor must be 1–256 letters, digits or _ . : @ | + = / -',
  })
  actor?: string;

  @ApiPropertyOptional({
    description: 'Only this action: a REST operationId (`getCustomer`, `createRun` …) or `graphql.<field>`',
    example: 'activateSnapshot',
  })
  @IsOptional()
  @Transform(({ value }) => single(value))
  @IsString()
  @Matches(/^(graphql\.)?[A-Za-z][A-Za-z0-9]{0,63}$/, { message: 'action must be an operation name' })
  action?: string;

  @ApiPropertyOptional({ description: 'Only entries about this customer', maxLength: 64 })
  @IsOptional()
  @Transform(({ value }) => single(value))
  @IsString()
  @Matches(IDENTIFIER, { message: `customer_id must be ${IDENTIFIER_RULE}` })
  customer_id?: string;

  @ValidateIsoInstant('Only entries at or after this time')
  since?: Date;

  @ValidateIsoInstant('Only entries before this time')
  until?: Date;

  @ValidateLimit()
  limit: number = DEFAULT_PAGE_LIMIT;

  @ValidateCursor()
  cursor?: string;
}
