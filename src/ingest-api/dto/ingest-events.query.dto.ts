import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';

export class IngestEventsQueryDto {
  @ApiPropertyOptional({
    description: 'The events source, when several are configured',
    example: 'events_api',
  })
  @IsOptional()
  @Matches(/^[a-z][a-z0-9_]{0,63}$/, { message: 'source must be a source name' })
  source?: string;
}

export class CdcSourceParams {
  @ApiProperty({ description: 'A source of kind debezium', example: 'customers_cdc' })
  @Matches(/^[a-z][a-z0-9_]{0,63}$/, { message: 'source must be a source name' })
  source!: string;
}
