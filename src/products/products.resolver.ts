import { Args, Context, Query, Resolver } from '@nestjs/graphql';
import { RequirePermission } from '../auth/auth.decorators';
import { connectionOf, ConnectionValue, connectionTypes, totalCountResolver } from '../graphql/connection';
import { GraphqlContext } from '../graphql/graphql-context';
import { ProductArgs, ProductsArgs } from './dto/products.query.dto';
import { ProductDto, ProductRow, ProductSort } from './models/product.model';
import { ProductListRequest, ProductsService } from './products.service';

export const ProductConnection = connectionTypes('Product', ProductDto);
export const ProductConnectionResolver = totalCountResolver('Product', ProductConnection.Connection);

@Resolver(() => ProductDto)
export class ProductsResolver {
  constructor(private readonly productService: ProductsService) {}

  @Query(() => ProductDto, { nullable: true, description: 'One product with its sales; null when unknown' })
  @RequirePermission('read')
  async product(@Args() args: ProductArgs, @Context() ctx: GraphqlContext): Promise<ProductRow | null> {
    const found = await this.productService.find(args.id, ctx.principal);
    ctx.snapshotIds.add(found.snapshotId);
    return found.row;
  }

  @Query(() => ProductConnection.Connection, { description: 'Products with their sales (Relay connection)' })
  @RequirePermission('read')
  async products(
    @Args() args: ProductsArgs,
    @Context() ctx: GraphqlContext,
  ): Promise<ConnectionValue<ProductRow>> {
    const request: ProductListRequest = {
      filter: { category: args.category ?? undefined },
      sort: args.sort as string as ProductSort,
      limit: args.first,
      cursor: args.after ?? undefined,
    };
    const page = await this.productService.page(request, ctx.principal);
    ctx.snapshotIds.add(page.snapshotId);
    return connectionOf(page.rows, page.cursorOf, page.hasNextPage, () =>
      this.productService.count(request, ctx.principal, page.snapshotId),
    );
  }
}
