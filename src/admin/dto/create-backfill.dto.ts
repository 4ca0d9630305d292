import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsDate, IsOptional } from 'class-validator';
import { parseIsoInstant } from '../../common/validation/iso-time';

const instant = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? (parseIsoInstant(value) ?? value) : value;

export class CreateBackfillDto {
  @ApiProperty({
    type: String,
    description: 'Window start (inclusive): YYYY-MM-DD or ISO-8601',
    example: '2025-01-01',
  })
  @Transform(instant)
  @IsDate({ message: 'from must be an ISO-8601 date (YYYY-MM-DD) or timestamp' })
  from!: Date;

  @ApiProperty({
    type: String,
    description: 'Window end (exclusive): YYYY-MM-DD or ISO-8601',
    example: '2025-01-08',
  })
  @Transform(instant)
  @IsDate({ message: 'to must be an ISO-8601 date (YYYY-MM-DD) or timestamp' })
  to!: Date;

  @ApiPropertyOptional({
    default: false,
    description: 'Report what would be re-read and rebuilt; start nothing',
  })
  @IsOptional()
  @IsBoolean({ message: 'dry_run must be true or false' })
  dry_run: boolean = false;
}
