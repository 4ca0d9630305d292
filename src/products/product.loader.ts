import DataLoader from 'dataloader';
import { Principal } from '../auth/principal';
import { SnapshotReaderService } from '../serving/snapshot-reader.service';
import { ProductRow } from './models/product.model';
import { ProductsService } from './products.service';

/** Products by id on one snapshot for one caller (figures follow the caller's scope). */
export function createProductLoader(
  reader: SnapshotReaderService,
  products: ProductsService,
  principal: Principal,
  snapshotId: string,
): DataLoader<string, ProductRow | null> {
  return new DataLoader((ids) =>
    reader.withSnapshot((snapshot) => products.byIds(snapshot, principal, ids), snapshotId),
  );
}
