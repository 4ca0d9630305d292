import { Injectable } from '@nestjs/common';
import { Principal } from '../auth/principal';
import { RowScope } from '../auth/row-scope';
import { C360Error, ErrorCode, invalidParameter, notFound } from '../common/errors';
import { CursorCodec } from '../common/pagination/cursor';
import { toSqlTimestamp } from '../common/validation/iso-time';
import { SnapshotReaderService } from '../serving/snapshot-reader.service';
import { SnapshotResult } from '../serving/snapshot-result';
import { parseSortKey, sortKeyOf } from './customer-sort';
import { CustomerFilter, CustomersRepository } from './customers.repository';
import { ListCustomersQueryDto } from './dto/list-customers.query.dto';
import { CustomerPage, CustomerRow } from './models/customer.model';

@Injectable()
export class CustomersService {
  constructor(
    private readonly reader: SnapshotReaderService,
    private readonly repository: CustomersRepository,
    private readonly cursors: CursorCodec,
  ) {}

  async list(query: ListCustomersQueryDto, principal: Principal): Promise<SnapshotResult<CustomerPage>> {
    // Checked before any read, so a refused caller learns nothing about whether the email exists.
    if (query.email !== undefined && !principal.permissions.has('filter:email')) {
      throw new C360Error(ErrorCode.Forbidden, 'Filtering by email requires the "filter:email" permission.');
    }
    const filter = this.filterOf(query);
    const after =
      query.cursor === undefined
        ? null
        : parseSortKey(this.cursors.decode(query.cursor, query.sort), query.sort);
    const scope = RowScope.of(principal);
    return this.reader.withSnapshot(async (snapshot) => {
      this.checkSegments(query.segment ?? [], snapshot.manifest.segments);
      const rows = await this.repository.list(snapshot, filter, scope, {
        sort: query.sort,
        after,
        limit: query.limit + 1,
      });
      const data = rows.slice(0, query.limit);
      const last = data[data.length - 1];
      const next =
        rows.length > query.limit && last
          ? this.cursors.encode(query.sort, sortKeyOf(last, query.sort))
          : null;
      const page: CustomerPage['page'] = { limit: query.limit, next_cursor: next };
      if (query.include_total) page.total = await this.repository.count(snapshot, filter, scope);
      return new SnapshotResult(snapshot.id, { data, page });
    });
  }

  async get(customerId: string, principal: Principal): Promise<SnapshotResult<CustomerRow>> {
    const scope = RowScope.of(principal);
    return this.reader.withSnapshot(async (snapshot) => {
      // Out of scope reads as unknown: a 404 does not reveal that the customer exists elsewhere.
      const row = await this.repository.findById(snapshot, customerId, scope);
      if (!row) throw notFound('No customer with this id.');
      return new SnapshotResult(snapshot.id, row);
    });
  }

  private filterOf(query: ListCustomersQueryDto): CustomerFilter {
    if (
      query.min_ltv !== undefined &&
      query.max_ltv !== undefined &&
      Number(query.min_ltv) > Number(query.max_ltv)
    ) {
      throw invalidParameter('min_ltv', 'min_ltv must not be greater than max_ltv.');
    }
    return {
      segments: query.segment,
      country: query.country,
      minLtv: query.min_ltv,
      maxLtv: query.max_ltv,
      lastOrderAfter: query.last_order_after ? toSqlTimestamp(query.last_order_after) : undefined,
      lastOrderBefore: query.last_order_before ? toSqlTimestamp(query.last_order_before) : undefined,
      email: query.email,
    };
  }

  private checkSegments(requested: string[], known: string[]): void {
    const unknown = requested.find((segment) => !known.includes(segment));
    if (unknown !== undefined) {
      throw new C360Error(
        ErrorCode.UnknownSegment,
        `Unknown segment "${unknown}"; this snapshot has: ${known.join(', ')}.`,
        { parameter: 'segment', segment: unknown },
      );
    }
  }
}
