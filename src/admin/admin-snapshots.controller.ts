import { Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { Endpoint } from '../common/http/endpoint.decorator';
import { SnapshotSummary } from '../snapshots/snapshot.store';
import { AdminSnapshotsService } from './admin-snapshots.service';
import { SnapshotIdParams } from './dto/snapshot-id.params';
import { SnapshotDto, SnapshotList, SnapshotListDto } from './models/snapshot.model';

@ApiTags('admin')
@Controller('v1/admin/snapshots')
export class AdminSnapshotsController {
  constructor(private readonly snapshots: AdminSnapshotsService) {}

  @Get()
  @Endpoint({
    summary: 'Retained gold snapshots, newest first',
    operationId: 'listSnapshots',
    access: 'admin',
  })
  @ApiOkResponse({ type: SnapshotListDto, description: 'Snapshots; `active` marks the served one' })
  list(): SnapshotList {
    return this.snapshots.list();
  }

  @Post(':id/activate')
  @HttpCode(HttpStatus.OK)
  @Endpoint({
    summary: 'Serve a retained snapshot again (rollback)',
    operationId: 'activateSnapshot',
    access: 'admin',
    problems: [400, 404],
  })
  @ApiOkResponse({ type: SnapshotDto, description: 'The snapshot, now active' })
  activate(@Param() params: SnapshotIdParams, @CurrentPrincipal() principal: Principal): SnapshotSummary {
    return this.snapshots.activate(params.id, principal.sub);
  }
}
