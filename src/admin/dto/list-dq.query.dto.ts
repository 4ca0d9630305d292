import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { ValidateBooleanFlag } from '../../common/validation/validators';

export class ListDqQueryDto {
  @ApiPropertyOptional({ description: 'A run id; default: the latest run that ran its checks' })
  @IsOptional()
  @IsString()
  @Matches(/^r[0-9A-Za-z-]{1,63}$/, { message: 'run_id must be a run id' })
  run_id?: string;

  @ApiPropertyOptional({ description: 'Only this gold table' })
  @IsOptional()
  @Matches(/^[a-z][a-z0-9_]{0,62}$/, { message: 'table must be a table name' })
  table?: string;

  @ApiPropertyOptional({ enum: ['critical', 'warn'] })
  @IsOptional()
  @IsIn(['critical', 'warn'], { message: 'severity must be critical or warn' })
  severity?: 'critical' | 'warn';

  @ValidateBooleanFlag('Only failed checks')
  failed_only: boolean = false;
}
