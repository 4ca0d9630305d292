import { Module } from '@nestjs/common';
import { DuckDbSegmentsRepository } from './duckdb-segments.repository';
import { SegmentsRepository } from './segments.repository';
import { SegmentsController } from './segments.controller';
import { SegmentsResolver } from './segments.resolver';
import { SegmentsService } from './segments.service';

@Module({
  controllers: [SegmentsController],
  providers: [
    SegmentsService,
    SegmentsResolver,
    { provide: SegmentsRepository, useClass: DuckDbSegmentsRepository },
  ],
})
export class SegmentsModule {}
