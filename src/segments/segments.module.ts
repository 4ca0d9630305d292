import { Module } from '@nestjs/common';
import { AthenaSegmentsRepository } from '../athena/athena-aggregates.repository';
import { engineRepository } from '../athena/athena.module';
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
    engineRepository(SegmentsRepository, DuckDbSegmentsRepository, (e) => new AthenaSegmentsRepository(e)),
  ],
})
export class SegmentsModule {}
