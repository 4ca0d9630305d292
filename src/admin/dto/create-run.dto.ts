import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { RUN_MODES, RunMode } from '../../runs/run.model';

export class CreateRunDto {
  @ApiPropertyOptional({ enum: RUN_MODES, enumName: 'RunMode', default: 'incremental' })
  @IsOptional()
  @IsIn(RUN_MODES, { message: `mode must be one of ${RUN_MODES.join(', ')}` })
  mode: RunMode = 'incremental';
}
