import { ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { Page, PageDto } from '../../common/pagination/page.dto';
import { Row } from '../../duckdb/duckdb';
import { ApiField } from '../../graphql/api-field.decorator';

/** A product_performance row: the current product version and its sales up to as_of. */
export interface ProductRow extends Row {
  product_id: string;
  product_sk: string;
  name: string | null;
  category: string | null;
  brand: string | null;
  unit_price: number | null;
  units: number;
  revenue: number;
  orders: number;
  customers: number;
  revenue_rank: number;
}

@ObjectType('Product', {
  description: 'A product with its sales over counted orders (over the caller’s countries when scoped)',
})
export class ProductDto {
  @ApiField({ kind: 'id', example: 'P000042' })
  product_id!: string;
  @ApiField({ kind: 'string', description: 'Surrogate key (60-bit integer as a string)' })
  product_sk!: string;
  @ApiField({ kind: 'string', nullable: true })
  name!: string | null;
  @ApiField({ kind: 'string', nullable: true, example: 'books' })
  category!: string | null;
  @ApiField({ kind: 'string', nullable: true })
  brand!: string | null;
  @ApiField({ kind: 'float', nullable: true, description: 'Current list price, 2 decimals' })
  unit_price!: number | null;
  @ApiField({ kind: 'int', description: 'Units sold in counted orders' })
  units!: number;
  @ApiField({ kind: 'float', description: 'Sum of line amounts of counted orders, 2 decimals' })
  revenue!: number;
  @ApiField({ kind: 'int', description: 'Counted orders with the product' })
  orders!: number;
  @ApiField({ kind: 'int', description: 'Distinct customers who bought it' })
  customers!: number;
  @ApiField({ kind: 'int', minimum: 1, description: 'Rank by revenue (1 = most; ties share a rank)' })
  revenue_rank!: number;
}

export class ProductPageDto {
  @ApiProperty({ type: [ProductDto] })
  data!: ProductDto[];
  @ApiProperty({ type: PageDto })
  page!: PageDto;
}

export interface ProductPage {
  data: ProductRow[];
  page: Page;
}

/** Sort orders of `GET /v1/products`. Ties break on product_id. */
export enum ProductSort {
  ProductId = 'product_id',
  RevenueRank = 'revenue_rank',
}
