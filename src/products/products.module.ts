import { Module } from '@nestjs/common';
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
    { provide: ProductsRepository, useClass: DuckDbProductsRepository },
  ],
  exports: [ProductsService],
})
export class ProductsModule {}
