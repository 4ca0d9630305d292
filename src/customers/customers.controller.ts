import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { Endpoint } from '../common/http/endpoint.decorator';
import { SNAPSHOT_HEADER, SnapshotResult } from '../serving/snapshot-result';
import { CustomersService } from './customers.service';
import { CustomerIdParams } from './dto/customer-id.params';
import { ListCustomersQueryDto } from './dto/list-customers.query.dto';
import { CustomerDto, CustomerPage, CustomerPageDto, CustomerRow } from './models/customer.model';

const SNAPSHOT_HEADERS = {
  [SNAPSHOT_HEADER]: { description: 'Id of the gold snapshot served', schema: { type: 'string' } },
};

@ApiTags('customers')
@Controller('v1/customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Get()
  @Endpoint({
    summary: 'List customers',
    operationId: 'listCustomers',
    access: 'read',
    pii: 'list',
    problems: [400, 503],
  })
  @ApiOkResponse({ type: CustomerPageDto, headers: SNAPSHOT_HEADERS, description: 'One page of customers' })
  list(
    @Query() query: ListCustomersQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SnapshotResult<CustomerPage>> {
    return this.customers.list(query, principal);
  }

  @Get(':id')
  @Endpoint({
    summary: 'One customer (customer_360 row)',
    operationId: 'getCustomer',
    access: 'read',
    pii: 'single',
    problems: [400, 404, 503],
  })
  @ApiOkResponse({ type: CustomerDto, headers: SNAPSHOT_HEADERS, description: 'The customer' })
  get(
    @Param() params: CustomerIdParams,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SnapshotResult<CustomerRow>> {
    return this.customers.get(params.id, principal);
  }
}
