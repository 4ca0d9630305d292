import { Injectable } from '@nestjs/common';
import { Principal } from '../auth/principal';
import { RowScope } from '../auth/row-scope';
import { C360Error, ErrorCode, invalidParameter, notFound } from '../common/errors';
import { CursorCodec } from '../common/pagination/cursor';
import { KeysetPage, keysetPage, restPage } from '../common/pagination/keyset';
import { ServedSnapshot } from '../serving/served-snapshot';
import { SnapshotReaderService } from '../serving/snapshot-reader.service';
import { SnapshotResult } from '../serving/snapshot-result';
import { CustomerSort, parseSortKey, sortKeyOf } from './customer-sort';
import { CustomerFilter, CustomersRepository } from './customers.repository';
import { CustomerHistory, CustomerVersionRow } from './models/customer-version.model';
import { CustomerPage, CustomerRow } from './models/customer.model';

/** A customer list request, whichever transport it came from. */
export interface CustomerListRequest {
  filter: CustomerFilter;
  sort: CustomerSort;
  limit: number;
  cursor?: string;
  includeTotal?: boolean;
}

/** A customer look-up: the current row, or as of a past instant. */
export interface CustomerLookup {
  snapshotId: string;
  row: CustomerRow | null;
  /** Facts served with this customer (orders, events) end here. */
  until: string;
}

@Injectable()
export class CustomersService {
  constructor(
    private readonly reader: SnapshotReaderService,
    private readonly repository: CustomersRepository,
    private readonly cursors: CursorCodec,
  ) {}

  /** `GET /v1/customers`. */
  async list(request: CustomerListRequest, principal: Principal): Promise<SnapshotResult<CustomerPage>> {
    const page = await this.page(request, principal);
    return new SnapshotResult(page.snapshotId, { data: page.rows, page: restPage(page, request.limit) });
  }

  /** One keyset page of customers (REST list and the GraphQL `customers` connection). A cursor
   *  reads the snapshot it was issued on, so a walk over all pages sees one snapshot. */
  async page(request: CustomerListRequest, principal: Principal): Promise<KeysetPage<CustomerRow>> {
    this.checkFilter(request.filter, principal);
    const decoded = request.cursor === undefined ? null : this.cursors.decode(request.cursor, request.sort);
    const after = decoded ? parseSortKey(decoded.keys, request.sort) : null;
    const scope = RowScope.of(principal);
    return this.reader.withSnapshot(async (snapshot) => {
      this.checkSegments(request.filter.segments ?? [], snapshot.manifest.segments);
      const rows = await this.repository.list(snapshot, request.filter, scope, {
        sort: request.sort,
        after,
        limit: request.limit + 1,
      });
      const page = keysetPage(snapshot, rows, request.limit, (row) =>
        this.cursors.encode(request.sort, sortKeyOf(row, request.sort), snapshot.id),
      );
      if (request.includeTotal) page.total = await this.repository.count(snapshot, request.filter, scope);
      return page;
    }, decoded?.snapshotId ?? undefined);
  }

  /** Rows matching a list request's filter, on `snapshotId` (GraphQL `totalCount`). */
  async count(request: CustomerListRequest, principal: Principal, snapshotId: string): Promise<number> {
    const scope = RowScope.of(principal);
    return this.reader.withSnapshot(
      (snapshot) => this.repository.count(snapshot, request.filter, scope),
      snapshotId,
    );
  }

  /** `GET /v1/customers/{id}[?as_of=]`: 404 when unknown, out of scope, or without a version then. */
  async get(customerId: string, principal: Principal, asOf?: Date): Promise<SnapshotResult<CustomerRow>> {
    const found = await this.find(customerId, principal, asOf);
    if (!found.row) throw notFound('No customer with this id.');
    return new SnapshotResult(found.snapshotId, found.row);
  }

  /**
   * The customer_360 row, or with `asOf` the profile version valid then and order metrics up to
   * then. Out of scope reads as unknown: nothing reveals that the customer exists elsewhere.
   */
  async find(customerId: string, principal: Principal, asOf?: Date): Promise<CustomerLookup> {
    const scope = RowScope.of(principal);
    return this.reader.withSnapshot(async (snapshot) => {
      if (asOf === undefined) {
        const row = await this.repository.findById(snapshot, customerId, scope);
        return { snapshotId: snapshot.id, row, until: snapshot.asOf };
      }
      const instant = this.checkAsOf(asOf, snapshot);
      const row = await this.repository.findAsOf(snapshot, customerId, instant, scope);
      return { snapshotId: snapshot.id, row, until: instant };
    });
  }

  /** `GET /v1/customers/{id}/history`: every SCD2 version, oldest first. */
  async history(customerId: string, principal: Principal): Promise<SnapshotResult<CustomerHistory>> {
    const scope = RowScope.of(principal);
    return this.reader.withSnapshot(async (snapshot) => {
      if (!(await this.repository.exists(snapshot, customerId, scope)))
        throw notFound('No customer with this id.');
      const data = await this.repository.history(snapshot, [customerId]);
      return new SnapshotResult(snapshot.id, { data });
    });
  }

  /** Versions of readable customers (GraphQL `Customer.history`, one batch), in key order. */
  async historyOf(snapshot: ServedSnapshot, customerIds: readonly string[]): Promise<CustomerVersionRow[][]> {
    const rows = await this.repository.history(snapshot, customerIds);
    const byCustomer = new Map<string, CustomerVersionRow[]>();
    for (const row of rows) {
      const list = byCustomer.get(row.customer_id);
      if (list) list.push(row);
      else byCustomer.set(row.customer_id, [row]);
    }
    return customerIds.map((id) => byCustomer.get(id) ?? []);
  }

  /** Throws NotFound unless the customer is readable now (nested REST routes). */
  async assertReadable(snapshot: ServedSnapshot, customerId: string, principal: Principal): Promise<void> {
    if (!(await this.repository.exists(snapshot, customerId, RowScope.of(principal)))) {
      throw notFound('No customer with this id.');
    }
  }

  private checkFilter(filter: CustomerFilter, principal: Principal): void {
    // Checked before any read, so a refused caller learns nothing about whether the email exists.
    if (filter.email !== undefined && !principal.permissions.has('filter:email')) {
      throw new C360Error(ErrorCode.Forbidden, 'Filtering by email requires the "filter:email" permission.');
    }
    if (
      filter.minLtv !== undefined &&
      filter.maxLtv !== undefined &&
      Number(filter.minLtv) > Number(filter.maxLtv)
    ) {
      throw invalidParameter('min_ltv', 'min_ltv must not be greater than max_ltv.');
    }
    if (
      filter.lastOrderAfter !== undefined &&
      filter.lastOrderBefore !== undefined &&
      filter.lastOrderAfter > filter.lastOrderBefore
    ) {
      throw invalidParameter('last_order_after', 'last_order_after must not be after last_order_before.');
    }
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

  /** A point in time must lie within the snapshot: it knows nothing after its as_of. */
  private checkAsOf(asOf: Date, snapshot: ServedSnapshot): string {
    const instant = asOf.toISOString();
    if (asOf.getTime() > Date.parse(snapshot.asOf)) {
      throw invalidParameter(
        'as_of',
        `as_of must not be after the snapshot's as_of (${new Date(snapshot.asOf).toISOString()}).`,
      );
    }
    return instant;
  }
}
