import { Module } from '@nestjs/common';
import { AthenaDailyMetricsRepository } from '../athena/athena-aggregates.repository';
import { engineRepository } from '../athena/athena.module';
import { DailyMetricsController } from './daily-metrics.controller';
import { DailyMetricsRepository } from './daily-metrics.repository';
import { DailyMetricsResolver } from './daily-metrics.resolver';
import { DailyMetricsService } from './daily-metrics.service';
import { DuckDbDailyMetricsRepository } from './duckdb-daily-metrics.repository';

@Module({
  controllers: [DailyMetricsController],
  providers: [
    DailyMetricsService,
    DailyMetricsResolver,
    engineRepository(
      DailyMetricsRepository,
      DuckDbDailyMetricsRepository,
      (e) => new AthenaDailyMetricsRepository(e),
    ),
  ],
})
export class DailyMetricsModule {}
