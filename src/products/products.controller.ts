import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { Endpoint, SNAPSHOT_RESPONSE_HEADERS } from '../common/http/endpoint.decorator';
import { NoQuery } from '../common/http/no-query.decorator';
import { SnapshotResult } from '../serving/snapshot-result';
import { ListProductsQueryDto, ProductIdParams } from './dto/products.query.dto';
import { ProductDto, ProductPage, ProductPageDto, ProductRow } from './models/product.model';
import { ProductsService } from './products.service';

@ApiTags('products')
@Controller('v1/products')
export class ProductsController {
  constructor(private readonly products: ProductsService) {}

  @Get()
  @Endpoint({
    summary: 'Products with their sales (product_performance)',
    operationId: 'listProducts',
    access: 'read',
    snapshot: true,
    problems: [400, 410, 503],
  })
  @ApiOkResponse({
    type: ProductPageDto,
    headers: SNAPSHOT_RESPONSE_HEADERS,
    description: 'One page of products',
  })
  list(
    @Query() query: ListProductsQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SnapshotResult<ProductPage>> {
    return this.products.list(
      {
        filter: { category: query.category },
        sort: query.sort,
        limit: query.limit,
        cursor: query.cursor,
        includeTotal: query.include_total,
      },
      principal,
    );
  }

  @Get(':id')
  @Endpoint({
    summary: 'One product with its sales',
    operationId: 'getProduct',
    access: 'read',
    snapshot: true,
    problems: [400, 404, 503],
  })
  @ApiOkResponse({ type: ProductDto, headers: SNAPSHOT_RESPONSE_HEADERS, description: 'The product' })
  get(
    @Param() params: ProductIdParams,
    @NoQuery() _query: void,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SnapshotResult<ProductRow>> {
    return this.products.get(params.id, principal);
  }
}
