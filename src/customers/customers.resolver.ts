import { Args, Context, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { RequirePermission } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { RouteKind } from '../auth/policy';
import { connectionOf, ConnectionValue, connectionTypes, totalCountResolver } from '../graphql/connection';
import { GraphqlContext } from '../graphql/graphql-context';
import { NodeSource, Sourced, sourced, sourceOf } from '../graphql/node-source';
import { Masked, MaskingService } from '../masking/masking.service';
import { ProductDto, ProductRow } from '../products/models/product.model';
import { CustomerFactsService, EVENTS_CURSOR, ORDERS_CURSOR } from './customer-facts.service';
import { CustomerListRequest, CustomersService } from './customers.service';
import { CustomerArgs, CustomersArgs, NestedPageArgs, toCustomerSort } from './dto/customer.args';
import { CustomerVersionDto, CustomerVersionRow } from './models/customer-version.model';
import { CustomerDto, CustomerRow } from './models/customer.model';
import { EventDto, EventRow } from './models/event.model';
import { OrderDto, OrderLineDto, OrderLineRow, OrderRow } from './models/order.model';

export const CustomerConnection = connectionTypes('Customer', CustomerDto);
export const OrderConnection = connectionTypes('Order', OrderDto);
export const EventConnection = connectionTypes('Event', EventDto);
export const CustomerConnectionResolver = totalCountResolver('Customer', CustomerConnection.Connection);
export const OrderConnectionResolver = totalCountResolver('Order', OrderConnection.Connection);
export const EventConnectionResolver = totalCountResolver('Event', EventConnection.Connection);

/** GraphQL objects holding PII exist only masked, with their source attached. */
type CustomerNode = Sourced<Masked<CustomerRow>>;
type OrderNode = Sourced<OrderRow>;
type OrderLineNode = Sourced<OrderLineRow>;

/** Relations whose lists are not paginated are estimated at this many items (complexity). */
const LIST_ESTIMATE = 10;
const listComplexity = ({ childComplexity }: { childComplexity: number }): number =>
  1 + childComplexity * LIST_ESTIMATE;

function listRequest(args: CustomersArgs): CustomerListRequest {
  const filter = args.filter ?? {};
  return {
    filter: {
      segments: filter.segment ?? undefined,
      country: filter.country?.toUpperCase() ?? undefined,
      minLtv: filter.minLtv?.toFixed(2) ?? undefined,
      maxLtv: filter.maxLtv?.toFixed(2) ?? undefined,
      lastOrderAfter: filter.lastOrderAfter?.toISOString() ?? undefined,
      lastOrderBefore: filter.lastOrderBefore?.toISOString() ?? undefined,
      email: filter.email?.trim().toLowerCase() ?? undefined,
    },
    sort: toCustomerSort(args.sort),
    limit: args.first,
    cursor: args.after ?? undefined,
  };
}

@Resolver(() => CustomerDto)
export class CustomersResolver {
  constructor(
    private readonly customerService: CustomersService,
    private readonly facts: CustomerFactsService,
    private readonly masking: MaskingService,
  ) {}

  @Query(() => CustomerDto, {
    nullable: true,
    description: 'One customer (null when unknown or outside the caller’s countries); with asOf, as then',
  })
  @RequirePermission('read')
  async customer(@Args() args: CustomerArgs, @Context() ctx: GraphqlContext): Promise<CustomerNode | null> {
    const found = await this.customerService.find(args.id, ctx.principal, args.asOf ?? undefined);
    ctx.snapshotIds.add(found.snapshotId);
    if (!found.row) return null;
    return this.node(found.row, ctx.principal, {
      snapshotId: found.snapshotId,
      kind: 'single',
      until: found.until,
    });
  }

  @Query(() => CustomerConnection.Connection, {
    description: 'Customers, filtered and sorted (Relay connection)',
  })
  @RequirePermission('read')
  async customers(
    @Args() args: CustomersArgs,
    @Context() ctx: GraphqlContext,
  ): Promise<ConnectionValue<CustomerNode>> {
    const request = listRequest(args);
    const page = await this.customerService.page(request, ctx.principal);
    ctx.snapshotIds.add(page.snapshotId);
    const source: NodeSource = { snapshotId: page.snapshotId, kind: 'list', until: page.snapshotAsOf };
    return connectionOf(
      page.rows.map((row) => this.node(row, ctx.principal, source)),
      page.cursorOf,
      page.hasNextPage,
      () => this.customerService.count(request, ctx.principal, page.snapshotId),
    );
  }

  @ResolveField('orders', () => OrderConnection.Connection, {
    description: 'Orders, newest first, up to the snapshot’s as_of (or asOf)',
  })
  async orders(
    @Parent() customer: CustomerNode,
    @Args() args: NestedPageArgs,
    @Context() ctx: GraphqlContext,
  ): Promise<ConnectionValue<OrderNode>> {
    const source = sourceOf(customer);
    const loaders = ctx.loaders.for(source);
    const key = { customerId: customer.customer_id, until: source.until };
    const page = await loaders.orders.load({
      ...key,
      after: this.facts.decode(args.after ?? undefined, ORDERS_CURSOR).after,
      limit: args.first,
    });
    return connectionOf(
      page.rows.map((order) => sourced({ ...order }, source)),
      page.cursorOf,
      page.hasNextPage,
      () => loaders.orderCounts.load(key),
    );
  }

  @ResolveField('events', () => EventConnection.Connection, { description: 'Behaviour events, newest first' })
  async events(
    @Parent() customer: CustomerNode,
    @Args() args: NestedPageArgs,
    @Context() ctx: GraphqlContext,
  ): Promise<ConnectionValue<EventRow>> {
    const source = sourceOf(customer);
    const loaders = ctx.loaders.for(source);
    const key = { customerId: customer.customer_id, until: source.until };
    const page = await loaders.events.load({
      ...key,
      after: this.facts.decode(args.after ?? undefined, EVENTS_CURSOR).after,
      limit: args.first,
    });
    return connectionOf(page.rows, page.cursorOf, page.hasNextPage, () => loaders.eventCounts.load(key));
  }

  @ResolveField('history', () => [CustomerVersionDto], {
    description: 'Profile versions (SCD Type 2), oldest first; PII masked like the customer',
    complexity: listComplexity,
  })
  async history(
    @Parent() customer: CustomerNode,
    @Context() ctx: GraphqlContext,
  ): Promise<Array<Masked<CustomerVersionRow>>> {
    const source = sourceOf(customer);
    const versions = await ctx.loaders.for(source).history.load(customer.customer_id);
    return versions.map((version) => this.masking.maskRecord(version, ctx.principal, source.kind));
  }

  private node(
    row: CustomerRow,
    principal: Principal,
    source: NodeSource & { kind: RouteKind },
  ): CustomerNode {
    return sourced(this.masking.maskRecord(row, principal, source.kind), source);
  }
}

@Resolver(() => OrderDto)
export class OrderResolver {
  @ResolveField('lines', () => [OrderLineDto], {
    description: 'In line_no order',
    complexity: listComplexity,
  })
  async lines(@Parent() order: OrderNode, @Context() ctx: GraphqlContext): Promise<OrderLineNode[]> {
    const source = sourceOf(order);
    const lines = await ctx.loaders
      .for(source)
      .lines.load({ orderId: order.order_id, customerId: order.customer_id });
    return lines.map((line) => sourced({ ...line }, source));
  }
}

@Resolver(() => OrderLineDto)
export class OrderLineResolver {
  @ResolveField('product', () => ProductDto, {
    nullable: true,
    description: 'The product (current version, with its sales); null when unknown',
  })
  product(@Parent() line: OrderLineNode, @Context() ctx: GraphqlContext): Promise<ProductRow | null> {
    return ctx.loaders.for(sourceOf(line)).products.load(line.product_id);
  }
}
