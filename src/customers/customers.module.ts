import { Module } from '@nestjs/common';
import { AthenaCustomersRepository } from '../athena/athena-customers.repository';
import { AthenaEventsRepository, AthenaOrdersRepository } from '../athena/athena-facts.repository';
import { engineRepository } from '../athena/athena.module';
import { CustomerFactsService } from './customer-facts.service';
import { CustomersController } from './customers.controller';
import { CustomersLane } from './customers.lane';
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
import { EventsRepository, OrdersRepository } from './orders.repository';
import { SqliteCustomersRepository } from './sqlite-customers.repository';
import { SqliteEventsRepository, SqliteOrdersRepository } from './sqlite-facts.repository';

@Module({
  controllers: [CustomersController],
  providers: [
    CustomersService,
    CustomerFactsService,
    CustomersLane,
    CustomersResolver,
    CustomerConnectionResolver,
    OrderConnectionResolver,
    EventConnectionResolver,
    OrderResolver,
    OrderLineResolver,
    // DuckDB engine: a snapshot's SQLite serving store answers point and keyset reads; snapshots
    // without one (older builds, restored exports, C360_SERVING_STORE=duckdb) read through DuckDB
    engineRepository(CustomersRepository, SqliteCustomersRepository, (e) => new AthenaCustomersRepository(e)),
    engineRepository(OrdersRepository, SqliteOrdersRepository, (e) => new AthenaOrdersRepository(e)),
    engineRepository(EventsRepository, SqliteEventsRepository, (e) => new AthenaEventsRepository(e)),
  ],
  exports: [CustomersService, CustomerFactsService],
})
export class CustomersModule {}
