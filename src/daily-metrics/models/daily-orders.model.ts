import { ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { Row } from '../../duckdb/duckdb';
import { ApiField } from '../../graphql/api-field.decorator';

/** An orders_daily row. */
export interface DailyOrdersRow extends Row {
  date: string;
  orders: number;
  revenue: number;
  customers: number;
  new_customers: number;
  aov: number | null;
}

@ObjectType('DailyOrders', {
  description: 'Counted orders of one UTC day (over the caller’s countries when scoped)',
})
export class DailyOrdersDto {
  @ApiField({ kind: 'date', example: '2025-01-31' })
  date!: string;
  @ApiField({ kind: 'int', description: 'Counted orders placed that day' })
  orders!: number;
  @ApiField({ kind: 'float', description: 'Their amount, 2 decimals' })
  revenue!: number;
  @ApiField({ kind: 'int', description: 'Distinct customers who ordered' })
  customers!: number;
  @ApiField({ kind: 'int', description: 'Customers whose first counted order was that day' })
  new_customers!: number;
  @ApiField({ kind: 'float', nullable: true, description: 'revenue / orders, rounded half away from zero' })
  aov!: number | null;
}

export class DailyOrdersListDto {
  @ApiProperty({
    type: [DailyOrdersDto],
    description: 'Oldest first; days without counted orders are absent (as in orders_daily)',
  })
  data!: DailyOrdersDto[];
}

export interface DailyOrdersList {
  data: DailyOrdersRow[];
}
