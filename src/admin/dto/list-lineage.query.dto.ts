import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { DEFAULT_PAGE_LIMIT, ValidateCursor, ValidateLimit } from '../../common/validation/validators';

export class ListLineageQueryDto {
  @ApiPropertyOptional({ description: "One run's events; default: every run, newest run first" })
  @IsOptional()
  @IsString()
  @Matches(/^r[0-9A-Za-z-]{1,63}$/, { message: 'run_id must be a run id' })
  run_id?: string;

  @ValidateLimit()
  limit: number = DEFAULT_PAGE_LIMIT;

  @ValidateCursor()
  cursor?: string;
}
