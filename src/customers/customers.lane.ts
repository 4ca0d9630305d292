import { Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { assertNoQuery } from '../common/http/no-query.decorator';
import { PageQueryDto } from '../common/pagination/page.query.dto';
import { ReadLane } from '../serving/read-lane';
import { CustomersController } from './customers.controller';
import { CustomerIdParams } from './dto/customer-id.params';
import { GetCustomerQueryDto } from './dto/get-customer.query.dto';
import { ListCustomersQueryDto } from './dto/list-customers.query.dto';

/** The customer reads support tools and dashboards call most, on the read lane (ReadLane): each
 *  calls its CustomersController method with arguments validated by the DTOs Nest would use. */
@Injectable()
export class CustomersLane implements OnModuleInit {
  constructor(
    private readonly lane: ReadLane,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    const lane = this.lane;
    const controller = this.moduleRef.get(CustomersController, { strict: true });
    const id = (params: Record<string, string>): Promise<CustomerIdParams> =>
      lane.identifierParams(CustomerIdParams, params);
    lane.add({
      url: '/v1/customers',
      controller,
      handler: controller.list,
      invoke: async (request, principal) =>
        controller.list(await lane.query(ListCustomersQueryDto, request.query), principal),
    });
    lane.add({
      url: '/v1/customers/:id',
      controller,
      handler: controller.get,
      invoke: async (request, principal) =>
        controller.get(
          await id(request.params),
          await lane.query(GetCustomerQueryDto, request.query),
          principal,
        ),
    });
    lane.add({
      url: '/v1/customers/:id/history',
      controller,
      handler: controller.history,
      invoke: async (request, principal) => {
        const params = await id(request.params);
        assertNoQuery(request.query);
        return controller.history(params, undefined, principal);
      },
    });
    lane.add({
      url: '/v1/customers/:id/orders',
      controller,
      handler: controller.orders,
      invoke: async (request, principal) =>
        controller.orders(await id(request.params), await lane.query(PageQueryDto, request.query), principal),
    });
    lane.add({
      url: '/v1/customers/:id/events',
      controller,
      handler: controller.events,
      invoke: async (request, principal) =>
        controller.events(await id(request.params), await lane.query(PageQueryDto, request.query), principal),
    });
  }
}
