import { ApiProperty } from '@nestjs/swagger';

class BackfillWindowDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
}

class BackfillSourceDto {
  @ApiProperty() source!: string;
  @ApiProperty() kind!: string;
  @ApiProperty({ type: String, nullable: true }) entity!: string | null;
  @ApiProperty({ type: String, nullable: true }) watermark!: string | null;
  @ApiProperty({ enum: ['window query', 'every file, rows in the window kept', 'skipped: no watermark'] })
  reread!: string;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Landing files read again' }) files!:
    number | null;
  @ApiProperty({ type: 'integer', description: 'Rows already in bronze inside the window' })
  rows_in_window!: number;
}

class BackfillModelsDto {
  @ApiProperty({ type: [String], description: 'Recomputed for the customers of the window' })
  incremental!: string[];
  @ApiProperty({ type: [String], description: 'Recomputed whole' }) recomputed_whole!: string[];
}

/** What a backfill would re-read and rebuild (`dry_run: true`). */
export class BackfillReportDto {
  @ApiProperty({ type: BackfillWindowDto }) window!: BackfillWindowDto;
  @ApiProperty({ type: [BackfillSourceDto] }) sources!: BackfillSourceDto[];
  @ApiProperty({ type: 'integer' }) customers_in_window!: number;
  @ApiProperty({ type: BackfillModelsDto }) models!: BackfillModelsDto;
}
