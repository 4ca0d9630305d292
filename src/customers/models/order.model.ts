import { ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { Page, PageDto } from '../../common/pagination/page.dto';
import { Row } from '../../duckdb/duckdb';
import { ApiField } from '../../graphql/api-field.decorator';

export const ORDER_STATUSES = ['placed', 'shipped', 'delivered', 'cancelled', 'returned'] as const;

/** One order line (fact_order_lines). */
export interface OrderLineRow extends Row {
  order_id: string;
  line_no: number;
  product_id: string;
  quantity: number;
  unit_price: number;
  discount: number;
  line_amount: number;
}

/** The columns of one order (fact_orders). */
export interface OrderFields {
  order_id: string;
  customer_id: string;
  customer_sk: string | null;
  order_ts: string;
  order_date: string;
  status: string | null;
  is_counted: boolean;
  channel: string | null;
  currency: string | null;
  updated_at: string | null;
  line_count: number;
  order_amount: number;
}

/** One order as the repository reads it. */
export interface OrderRow extends Row, OrderFields {}

/** An order as REST serves it, with its lines. */
export interface OrderWithLines extends OrderFields {
  lines: OrderLineRow[];
}

@ObjectType('OrderLine')
export class OrderLineDto {
  @ApiProperty({ example: 'O000000042', description: 'REST only (GraphQL lines hang under their order)' })
  order_id!: string;
  @ApiField({ kind: 'int', minimum: 1 })
  line_no!: number;
  @ApiField({ kind: 'string', example: 'P000042' })
  product_id!: string;
  @ApiField({ kind: 'int', minimum: 1 })
  quantity!: number;
  @ApiField({ kind: 'float', description: 'As ordered (up to 4 decimals)' })
  unit_price!: number;
  @ApiField({ kind: 'float', description: 'Absolute discount on the line' })
  discount!: number;
  @ApiField({ kind: 'float', description: 'quantity × unit_price − discount, 2 decimals' })
  line_amount!: number;
}

@ObjectType('Order')
export class OrderDto {
  @ApiField({ kind: 'id', example: 'O000000042' })
  order_id!: string;
  @ApiProperty({ example: 'C000123', description: 'REST only (GraphQL orders hang under their customer)' })
  customer_id!: string;
  @ApiField({
    kind: 'string',
    nullable: true,
    description: 'Customer version (dim_customer) valid when the order was placed',
  })
  customer_sk!: string | null;
  @ApiField({ kind: 'datetime' })
  order_ts!: string;
  @ApiField({ kind: 'date', description: 'UTC day of order_ts' })
  order_date!: string;
  @ApiField({
    kind: 'string',
    nullable: true,
    enum: { values: ORDER_STATUSES, name: 'OrderStatus' },
    description: 'Latest known status',
  })
  status!: string | null;
  @ApiField({ kind: 'boolean', description: 'Counts towards metrics (not cancelled or returned)' })
  is_counted!: boolean;
  @ApiField({ kind: 'string', nullable: true })
  channel!: string | null;
  @ApiField({ kind: 'string', nullable: true, example: 'EUR' })
  currency!: string | null;
  @ApiField({ kind: 'datetime', nullable: true })
  updated_at!: string | null;
  @ApiField({ kind: 'int' })
  line_count!: number;
  @ApiField({ kind: 'float', description: 'Sum of the lines, 2 decimals' })
  order_amount!: number;
  @ApiProperty({ type: [OrderLineDto], description: 'In line_no order' })
  lines!: OrderLineDto[];
}

export class OrderPageDto {
  @ApiProperty({ type: [OrderDto], description: 'Newest first' })
  data!: OrderDto[];
  @ApiProperty({ type: PageDto })
  page!: PageDto;
}

export interface OrderPage {
  data: OrderWithLines[];
  page: Page;
}
