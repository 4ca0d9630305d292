import { DynamicModule, Global, Module } from '@nestjs/common';
import { DataDirs } from '../common/data-dirs';
import { C360Config } from '../config/config';
import { RunStore } from '../runs/run.store';
import { SnapshotReaderService } from '../serving/snapshot-reader.service';
import { SnapshotStore } from '../snapshots/snapshot.store';

/** Process-wide singletons: configuration, data directory layout, snapshot and run stores. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: C360Config): DynamicModule {
    const dirs = new DataDirs(config.dataDir);
    const snapshots = new SnapshotStore(dirs);
    return {
      module: CoreModule,
      providers: [
        { provide: C360Config, useValue: config },
        { provide: DataDirs, useValue: dirs },
        { provide: SnapshotStore, useValue: snapshots },
        { provide: RunStore, useValue: new RunStore(dirs) },
        SnapshotReaderService,
      ],
      exports: [C360Config, DataDirs, SnapshotStore, RunStore, SnapshotReaderService],
    };
  }
}
