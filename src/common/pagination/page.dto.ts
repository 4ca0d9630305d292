import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** `page` of every list response (SPEC §8). */
export class PageDto {
  @ApiProperty({ type: 'integer', example: 50 })
  limit!: number;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Cursor of the next page; null on the last page',
  })
  next_cursor!: string | null;

  @ApiPropertyOptional({
    type: 'integer',
    description: 'Rows matching the filters; only with include_total=true',
  })
  total?: number;
}

export interface Page {
  limit: number;
  next_cursor: string | null;
  total?: number;
}
