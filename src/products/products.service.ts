import { Injectable } from '@nestjs/common';
import { Principal } from '../auth/principal';
import { RowScope } from '../auth/row-scope';
import { notFound } from '../common/errors';
import { CursorCodec } from '../common/pagination/cursor';
import { KeysetPage, keysetPage, restPage } from '../common/pagination/keyset';
import { ServedSnapshot } from '../serving/served-snapshot';
import { SnapshotReaderService } from '../serving/snapshot-reader.service';
import { SnapshotResult } from '../serving/snapshot-result';
import { ProductPage, ProductRow, ProductSort } from './models/product.model';
import { ProductFilter, ProductSortKey, ProductsRepository } from './products.repository';

export interface ProductListRequest {
  filter: ProductFilter;
  sort: ProductSort;
  limit: number;
  cursor?: string;
  includeTotal?: boolean;
}

@Injectable()
export class ProductsService {
  constructor(
    private readonly reader: SnapshotReaderService,
    private readonly repository: ProductsRepository,
    private readonly cursors: CursorCodec,
  ) {}

  /** `GET /v1/products`. */
  async list(request: ProductListRequest, principal: Principal): Promise<SnapshotResult<ProductPage>> {
    const page = await this.page(request, principal);
    return new SnapshotResult(page.snapshotId, { data: page.rows, page: restPage(page, request.limit) });
  }

  async page(request: ProductListRequest, principal: Principal): Promise<KeysetPage<ProductRow>> {
    const decoded =
      request.cursor === undefined ? null : this.cursors.decode(request.cursor, `products:${request.sort}`);
    const after = decoded ? parseKey(decoded.keys, request.sort) : null;
    const scope = RowScope.of(principal);
    return this.reader.withSnapshot(async (snapshot) => {
      const rows = await this.repository.list(snapshot, scope, request.filter, {
        sort: request.sort,
        after,
        limit: request.limit + 1,
      });
      const page = keysetPage(snapshot, rows, request.limit, (row) =>
        this.cursors.encode(
          `products:${request.sort}`,
          request.sort === ProductSort.ProductId ? [row.product_id] : [row.revenue_rank, row.product_id],
          snapshot.id,
        ),
      );
      if (request.includeTotal) page.total = await this.repository.count(snapshot, scope, request.filter);
      return page;
    }, decoded?.snapshotId ?? undefined);
  }

  async count(request: ProductListRequest, principal: Principal, snapshotId: string): Promise<number> {
    const scope = RowScope.of(principal);
    return this.reader.withSnapshot((s) => this.repository.count(s, scope, request.filter), snapshotId);
  }

  /** `GET /v1/products/{id}`. */
  async get(productId: string, principal: Principal): Promise<SnapshotResult<ProductRow>> {
    const found = await this.find(productId, principal);
    if (!found.row) throw notFound('No product with this id.');
    return new SnapshotResult(found.snapshotId, found.row);
  }

  async find(
    productId: string,
    principal: Principal,
  ): Promise<{ snapshotId: string; row: ProductRow | null }> {
    return this.reader.withSnapshot(async (snapshot) => {
      const [row] = await this.byIds(snapshot, principal, [productId]);
      return { snapshotId: snapshot.id, row };
    });
  }

  /** Products by id in key order, null for unknown ids (GraphQL `OrderLine.product`, one batch). */
  async byIds(
    snapshot: ServedSnapshot,
    principal: Principal,
    productIds: readonly string[],
  ): Promise<Array<ProductRow | null>> {
    const rows = await this.repository.findByIds(snapshot, RowScope.of(principal), productIds);
    const byId = new Map(rows.map((row) => [row.product_id, row]));
    return productIds.map((id) => byId.get(id) ?? null);
  }
}

function parseKey(keys: unknown[], sort: ProductSort): ProductSortKey {
  const id = keys[keys.length - 1];
  if (typeof id !== 'string' || id.length === 0 || id.length > 256) throw CursorCodec.invalid();
  if (sort === ProductSort.ProductId) {
    if (keys.length !== 1) throw CursorCodec.invalid();
    return { rank: null, productId: id };
  }
  const rank = keys[0];
  if (keys.length !== 2 || typeof rank !== 'number' || !Number.isInteger(rank)) throw CursorCodec.invalid();
  return { rank, productId: id };
}
