import { Module } from '@nestjs/common';
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
    { provide: DailyMetricsRepository, useClass: DuckDbDailyMetricsRepository },
  ],
})
export class DailyMetricsModule {}
