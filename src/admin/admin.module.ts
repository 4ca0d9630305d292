import { Module } from '@nestjs/common';
import { PipelineModule } from '../pipeline/pipeline.module';
import { AdminAuditController } from './admin-audit.controller';
import { AdminAuditService } from './admin-audit.service';
import { AdminBackfillsController } from './admin-backfills.controller';
import { AdminBackfillsService } from './admin-backfills.service';
import { AdminLineageController } from './admin-lineage.controller';
import { AdminLineageService } from './admin-lineage.service';
import { AdminQualityController } from './admin-quality.controller';
import { AdminQualityService } from './admin-quality.service';
import { AdminRunsController } from './admin-runs.controller';
import { AdminRunsService } from './admin-runs.service';
import { AdminSnapshotsController } from './admin-snapshots.controller';
import { AdminSnapshotsService } from './admin-snapshots.service';

@Module({
  imports: [PipelineModule],
  controllers: [
    AdminRunsController,
    AdminSnapshotsController,
    AdminQualityController,
    AdminLineageController,
    AdminBackfillsController,
    AdminAuditController,
  ],
  providers: [
    AdminRunsService,
    AdminSnapshotsService,
    AdminQualityService,
    AdminLineageService,
    AdminBackfillsService,
    AdminAuditService,
  ],
})
export class AdminModule {}
