import { Module } from '@nestjs/common';
import { CustomerFactsService } from './customer-facts.service';
import { CustomersController } from './customers.controller';
import { CustomersRepository } from './customers.repository';
import {
  CustomerConnectionResolver,
  CustomersResolver,
  EventConnectionResolver,
  OrderConnectionResolver,
  OrderLineResolver,
  OrderResolver,
} from './customers.resolver';
import { CustomersService } from './customers.service';
import { DuckDbEventsRepository, DuckDbOrdersRepository } from './duckdb-facts.repository';
import { DuckDbCustomersRepository } from './duckdb-customers.repository';
import { EventsRepository, OrdersRepository } from './orders.repository';

@Module({
  controllers: [CustomersController],
  providers: [
    CustomersService,
    CustomerFactsService,
    CustomersResolver,
    CustomerConnectionResolver,
    OrderConnectionResolver,
    EventConnectionResolver,
    OrderResolver,
    OrderLineResolver,
    { provide: CustomersRepository, useClass: DuckDbCustomersRepository },
    { provide: OrdersRepository, useClass: DuckDbOrdersRepository },
    { provide: EventsRepository, useClass: DuckDbEventsRepository },
  ],
  exports: [CustomersService, CustomerFactsService],
})
export class CustomersModule {}
