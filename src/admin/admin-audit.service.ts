import { Injectable } from '@nestjs/common';
import { AuditStore } from '../audit/audit.store';
import { CursorCodec } from '../common/pagination/cursor';
import { C360Config } from '../config/config';
import { ListAuditQueryDto } from './dto/list-audit.query.dto';
import { AuditList } from './models/audit.model';

const SORT = 'audit';
const AUDIT_ID = /^a\d{13}-[0-9a-z]+-[0-9a-f]+$/;

@Injectable()
export class AdminAuditService {
  private readonly cursors: CursorCodec;

  constructor(
    config: C360Config,
    private readonly store: AuditStore,
  ) {
    this.cursors = new CursorCodec(`${config.maskingKey}:audit`);
  }

  /** Entries newest first; the cursor is the id of the last entry served. */
  list(query: ListAuditQueryDto): AuditList {
    let beforeId: string | undefined;
    if (query.cursor) {
      const [id] = this.cursors.decode(query.cursor, SORT).keys;
      if (typeof id !== 'string' || !AUDIT_ID.test(id)) throw CursorCodec.invalid();
      beforeId = id;
    }
    const found = this.store.query({
      actor: query.actor,
      action: query.action,
      customerId: query.customer_id,
      since: query.since,
      until: query.until,
      beforeId,
      limit: query.limit,
    });
    const data = found.slice(0, query.limit);
    const last = data[data.length - 1];
    return {
      data,
      page: {
        limit: query.limit,
        next_cursor: found.length > query.limit && last ? this.cursors.encode(SORT, [last.id]) : null,
      },
    };
  }
}
