import { ArgsType, Field, ID, registerEnumType } from '@nestjs/graphql';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEnum, IsOptional, IsString, Matches } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/page.query.dto';
import {
  CATEGORY,
  CATEGORY_RULE,
  IDENTIFIER,
  IDENTIFIER_RULE,
  ValidateGraphqlCursor,
  ValidateGraphqlFirst,
  ValidateIdentifier,
} from '../../common/validation/validators';
import { ProductSort } from '../models/product.model';

const lastValue = (value: unknown): unknown => (Array.isArray(value) ? value[value.length - 1] : value);

/** Query of `GET /v1/products`. */
export class ListProductsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ProductSort, enumName: 'ProductSort', default: ProductSort.ProductId })
  @IsOptional()
  @Transform(({ value }) => lastValue(value))
  @IsEnum(ProductSort, { message: `sort must be one of ${Object.values(ProductSort).join(', ')}` })
  sort: ProductSort = ProductSort.ProductId;

  @ApiPropertyOptional({
    type: String,
    description: 'Exact category',
    example: 'Books',
    pattern: CATEGORY.source,
  })
  @IsOptional()
  @Transform(({ value }) => lastValue(value))
  @IsString()
  @Matches(CATEGORY, { message: `category must be ${CATEGORY_RULE}` })
  category?: string;
}

export class ProductIdParams {
  @ValidateIdentifier('product_id')
  id!: string;
}

export enum ProductSortField {
  PRODUCT_ID = 'product_id',
  REVENUE_RANK = 'revenue_rank',
}

registerEnumType(ProductSortField, {
  name: 'ProductSort',
  description: 'product_id ascending, or revenue rank (best first)',
});

@ArgsType()
export class ProductsArgs {
  @Field(() => ProductSortField, { defaultValue: ProductSortField.PRODUCT_ID })
  @IsEnum(ProductSortField)
  sort: ProductSortField = ProductSortField.PRODUCT_ID;

  @Field(() => String, { nullable: true, description: 'Exact category' })
  @IsOptional()
  @IsString()
  @Matches(CATEGORY, { message: `category must be ${CATEGORY_RULE}` })
  category?: string | null;

  @ValidateGraphqlFirst(50)
  first: number = 50;

  @ValidateGraphqlCursor()
  after?: string | null;
}

@ArgsType()
export class ProductArgs {
  @Field(() => ID)
  @IsString()
  @Matches(IDENTIFIER, { message: `id must be ${IDENTIFIER_RULE}` })
  id!: string;
}
