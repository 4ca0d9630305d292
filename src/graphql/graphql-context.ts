import { Injectable } from '@nestjs/common';
import DataLoader from 'dataloader';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AuthenticatedContext } from '../auth/auth.guard';
import { Authenticator } from '../auth/authenticator';
import { RouteKind } from '../auth/policy';
import { Principal } from '../auth/principal';
import { C360Error, ErrorCode } from '../common/errors';
import { CustomerFactsService } from '../customers/customer-facts.service';
import { createCustomerLoaders, CustomerLoaders } from '../customers/customer.loaders';
import { CustomersService } from '../customers/customers.service';
import { ProductRow } from '../products/models/product.model';
import { createProductLoader } from '../products/product.loader';
import { ProductsService } from '../products/products.service';
import { SnapshotReaderService } from '../serving/snapshot-reader.service';
import { toGraphQLError } from './graphql-errors';
import { NodeSource } from './node-source';

export interface SnapshotLoaders extends CustomerLoaders {
  products: DataLoader<string, ProductRow | null>;
}

/** The DataLoaders of one request, per snapshot read (objects read from a snapshot load their
 *  relations from it too) and route kind (relations are masked like their root field). Never
 *  shared between requests, so no cache crosses callers. */
export class LoaderRegistry {
  private readonly bySource = new Map<string, SnapshotLoaders>();

  constructor(private readonly create: (snapshotId: string, kind: RouteKind) => SnapshotLoaders) {}

  for(source: Pick<NodeSource, 'snapshotId' | 'kind'>): SnapshotLoaders {
    const key = `${source.kind}:${source.snapshotId}`;
    let loaders = this.bySource.get(key);
    if (!loaders) {
      loaders = this.create(source.snapshotId, source.kind);
      this.bySource.set(key, loaders);
    }
    return loaders;
  }
}

/** What every resolver receives as its context. */
export interface GraphqlContext extends AuthenticatedContext {
  req: FastifyRequest;
  principal: Principal;
  loaders: LoaderRegistry;
  /** Snapshots the root fields read from; sent back in `X-C360-Snapshot` as for REST. */
  snapshotIds: Set<string>;
}

/**
 * Builds the context of a GraphQL request: authenticates the bearer token (and charges its rate
 * limit) once, exactly as the REST guard does, and creates fresh DataLoaders. A failure answers
 * the whole request with the error's HTTP status (401, 429) and a GraphQL error.
 */
@Injectable()
export class GraphqlContextFactory {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly reader: SnapshotReaderService,
    private readonly customers: CustomersService,
    private readonly facts: CustomerFactsService,
    private readonly products: ProductsService,
  ) {}

  async create(request: FastifyRequest, _reply?: FastifyReply): Promise<GraphqlContext> {
    // Already authenticated (and charged) by the GraphQL cache hook when it looked for a cached answer.
    let principal: Principal | undefined = request.principal;
    try {
      principal ??= await this.authenticator.authenticate(request.headers.authorization);
    } catch (error) {
      throw toGraphQLError(
        error instanceof C360Error
          ? error
          : new C360Error(ErrorCode.Unauthenticated, 'A bearer token is required.'),
        true,
      );
    }
    // The access log names the caller, as for REST.
    request.principal = principal;
    const deps = { reader: this.reader, customers: this.customers, facts: this.facts };
    const loaders = new LoaderRegistry((snapshotId, kind) => ({
      ...createCustomerLoaders(deps, snapshotId, { principal, kind }),
      products: createProductLoader(this.reader, this.products, principal, snapshotId),
    }));
    return { req: request, principal, loaders, snapshotIds: new Set() };
  }
}
