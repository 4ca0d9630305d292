import { Injectable } from '@nestjs/common';
import { DataDirs } from '../common/data-dirs';
import { CursorCodec } from '../common/pagination/cursor';
import { C360Config } from '../config/config';
import { LineageStore } from '../lineage/lineage.store';
import { RunEvent } from '../lineage/openlineage';
import { ListLineageQueryDto } from './dto/list-lineage.query.dto';
import { LineageList } from './models/lineage.model';

const SORT = 'lineage';

@Injectable()
export class AdminLineageService {
  private readonly store: LineageStore;
  private readonly cursors: CursorCodec;

  constructor(config: C360Config, dirs: DataDirs) {
    this.store = new LineageStore(dirs);
    this.cursors = new CursorCodec(`${config.maskingKey}:lineage`);
  }

  /** Events newest run first, in emission order within a run; the cursor is (run, position). */
  list(query: ListLineageQueryDto): LineageList {
    const runIds = query.run_id ? [query.run_id] : this.store.runIds();
    let start = { run: 0, index: 0 };
    if (query.cursor) {
      const { keys } = this.cursors.decode(query.cursor, SORT);
      const [runId, index] = keys;
      const run = runIds.indexOf(String(runId));
      if (run < 0 || typeof index !== 'number') throw CursorCodec.invalid();
      start = { run, index };
    }
    const data: RunEvent[] = [];
    let next: { run: string; index: number } | null = null;
    for (let r = start.run; r < runIds.length && next === null; r++) {
      const events = this.store.events(runIds[r]);
      for (let i = r === start.run ? start.index : 0; i < events.length; i++) {
        if (data.length === query.limit) {
          next = { run: runIds[r], index: i };
          break;
        }
        data.push(events[i]);
      }
    }
    return {
      data,
      page: {
        limit: query.limit,
        next_cursor: next ? this.cursors.encode(SORT, [next.run, next.index]) : null,
      },
    };
  }
}
