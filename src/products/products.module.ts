import { Module } from '@nestjs/common';
import { AthenaProductsRepository } from '../athena/athena-aggregates.repository';
import { engineRepository } from '../athena/athena.module';
import { DuckDbProductsRepository } from './duckdb-products.repository';
import { ProductsController } from './products.controller';
import { ProductsRepository } from './products.repository';
import { ProductConnectionResolver, ProductsResolver } from './products.resolver';
import { ProductsService } from './products.service';

@Module({
  controllers: [ProductsController],
  providers: [
    ProductsService,
    ProductsResolver,
    ProductConnectionResolver,
    engineRepository(ProductsRepository, DuckDbProductsRepository, (e) => new AthenaProductsRepository(e)),
  ],
  exports: [ProductsService],
})
export class ProductsModule {}
