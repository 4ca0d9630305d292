import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, Matches } from 'class-validator';
import { ValidateCursor, ValidateLimit } from '../../common/validation/validators';

const single = (value: unknown): unknown => (Array.isArray(value) ? value[value.length - 1] : value);

/** Query of `GET /v1/admin/quarantine`. */
export class ListQuarantineQueryDto {
  @ApiPropertyOptional({ description: 'Only this source', example: 'customers' })
  @IsOptional()
  @Transform(({ value }) => single(value))
  @Matches(/^[a-z][a-z0-9_]{0,63}$/, { message: 'source must be a source name' })
  source?: string;

  @ApiPropertyOptional({ description: 'Only this run' })
  @IsOptional()
  @Transform(({ value }) => single(value))
  @Matches(/^r[0-9A-Za-z-]{1,64}$/, { message: 'run_id must be a run id' })
  run_id?: string;

  @ApiPropertyOptional({
    description: 'A reason code (`required:email`) or a rule (`required`, `pattern`, `malformed_record`…)',
    example: 'required',
  })
  @IsOptional()
  @Transform(({ value }) => single(value))
  @Matches(/^[a-z_]{1,32}(:[a-z0-9_]{1,64})?$/, { message: 'reason must be a reason code' })
  reason?: string;

  @ValidateLimit()
  limit?: number;

  @ValidateCursor()
  cursor?: string;
}
