import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { Endpoint, SNAPSHOT_RESPONSE_HEADERS } from '../common/http/endpoint.decorator';
import { NoQuery } from '../common/http/no-query.decorator';
import { PageQueryDto } from '../common/pagination/page.query.dto';
import { SnapshotResult } from '../serving/snapshot-result';
import { CustomerFactsService } from './customer-facts.service';
import { CustomersService } from './customers.service';
import { CustomerIdParams } from './dto/customer-id.params';
import { GetCustomerQueryDto } from './dto/get-customer.query.dto';
import { ListCustomersQueryDto, toListRequest } from './dto/list-customers.query.dto';
import { CustomerHistory, CustomerHistoryDto } from './models/customer-version.model';
import { CustomerDto, CustomerPage, CustomerPageDto, CustomerRow } from './models/customer.model';
import { EventPage, EventPageDto } from './models/event.model';
import { OrderPage, OrderPageDto } from './models/order.model';

@ApiTags('customers')
@Controller('v1/customers')
export class CustomersController {
  constructor(
    private readonly customers: CustomersService,
    private readonly facts: CustomerFactsService,
  ) {}

  @Get()
  @Endpoint({
    summary: 'List customers',
    operationId: 'listCustomers',
    access: 'read',
    pii: 'list',
    snapshot: true,
    problems: [400, 410, 503],
  })
  @ApiOkResponse({
    type: CustomerPageDto,
    headers: SNAPSHOT_RESPONSE_HEADERS,
    description: 'One page of customers',
  })
  list(
    @Query() query: ListCustomersQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SnapshotResult<CustomerPage>> {
    return this.customers.list(toListRequest(query), principal);
  }

  @Get(':id')
  @Endpoint({
    summary: 'One customer (customer_360 row), or as of a past instant',
    operationId: 'getCustomer',
    access: 'read',
    pii: 'single',
    snapshot: true,
    problems: [400, 404, 503],
  })
  @ApiOkResponse({ type: CustomerDto, headers: SNAPSHOT_RESPONSE_HEADERS, description: 'The customer' })
  get(
    @Param() params: CustomerIdParams,
    @Query() query: GetCustomerQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SnapshotResult<CustomerRow>> {
    return this.customers.get(params.id, principal, query.as_of);
  }

  @Get(':id/history')
  @Endpoint({
    summary: "The customer's profile versions (SCD Type 2), oldest first",
    operationId: 'getCustomerHistory',
    access: 'read',
    pii: 'single',
    piiShape: 'items',
    snapshot: true,
    problems: [400, 404, 503],
  })
  @ApiOkResponse({
    type: CustomerHistoryDto,
    headers: SNAPSHOT_RESPONSE_HEADERS,
    description: 'The versions',
  })
  history(
    @Param() params: CustomerIdParams,
    @NoQuery() _query: void,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SnapshotResult<CustomerHistory>> {
    return this.customers.history(params.id, principal);
  }

  @Get(':id/orders')
  @Endpoint({
    summary: "The customer's orders with their lines, newest first",
    operationId: 'listCustomerOrders',
    access: 'read',
    snapshot: true,
    problems: [400, 404, 410, 503],
  })
  @ApiOkResponse({
    type: OrderPageDto,
    headers: SNAPSHOT_RESPONSE_HEADERS,
    description: 'One page of orders',
  })
  orders(
    @Param() params: CustomerIdParams,
    @Query() query: PageQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SnapshotResult<OrderPage>> {
    return this.facts.listOrders({ customerId: params.id, ...pageOf(query) }, principal);
  }

  @Get(':id/events')
  @Endpoint({
    summary: "The customer's behaviour events, newest first",
    operationId: 'listCustomerEvents',
    access: 'read',
    snapshot: true,
    problems: [400, 404, 410, 503],
  })
  @ApiOkResponse({
    type: EventPageDto,
    headers: SNAPSHOT_RESPONSE_HEADERS,
    description: 'One page of events',
  })
  events(
    @Param() params: CustomerIdParams,
    @Query() query: PageQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SnapshotResult<EventPage>> {
    return this.facts.listEvents({ customerId: params.id, ...pageOf(query) }, principal);
  }
}

const pageOf = (query: PageQueryDto): { limit: number; cursor?: string; includeTotal: boolean } => ({
  limit: query.limit,
  cursor: query.cursor,
  includeTotal: query.include_total,
});
