import { Module } from '@nestjs/common';
import { PipelineModule } from '../pipeline/pipeline.module';
import { AdminRunsController } from './admin-runs.controller';
import { AdminRunsService } from './admin-runs.service';

@Module({
  imports: [PipelineModule],
  controllers: [AdminRunsController],
  providers: [AdminRunsService],
})
export class AdminModule {}
