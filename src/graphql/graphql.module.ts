import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { FastifyReply, FastifyRequest } from 'fastify';
import { C360Config } from '../config/config';
import { CustomersModule } from '../customers/customers.module';
import { ProductsModule } from '../products/products.module';
import { MaskingService } from '../masking/masking.service';
import { ResponseCache } from '../serving/response-cache';
import { GraphqlContextFactory } from './graphql-context';
import { GraphqlCacheHook } from './graphql-cache.hook';
import { GRAPHQL_PATH } from './graphql.constants';
import { formatGraphQLError } from './graphql-errors';
import { operationLimitsPlugin } from './operation-limits.plugin';
import { responseCachePlugin } from './response-cache.plugin';
import { snapshotHeaderPlugin } from './snapshot-header.plugin';

export { GRAPHQL_PATH };

/** Exposes the context factory (and the services its loaders use) to the GraphQL module. */
@Module({
  imports: [CustomersModule, ProductsModule],
  providers: [GraphqlContextFactory],
  exports: [GraphqlContextFactory],
})
export class GraphqlContextModule {}

/**
 * GraphQL at /graphql (code-first, Apollo on Fastify): the schema is generated from the models
 * and resolvers (graphql/schema.graphql is written from it by `c360 contracts`). Each request is
 * authenticated once in its context, the guard checks each root field's permission, and errors
 * go through the same exception filter as REST.
 */
@Module({
  imports: [
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      imports: [GraphqlContextModule],
      inject: [C360Config, GraphqlContextFactory, ResponseCache, MaskingService],
      useFactory: (
        config: C360Config,
        contexts: GraphqlContextFactory,
        cache: ResponseCache,
        masking: MaskingService,
      ): ApolloDriverConfig => ({
        path: GRAPHQL_PATH,
        autoSchemaFile: true,
        sortSchema: true,
        playground: false,
        // Off by default in production: the schema is published as graphql/schema.graphql.
        introspection: config.get('graphqlIntrospection') ?? process.env.NODE_ENV !== 'production',
        includeStacktraceInErrorResponses: false,
        // Resolver exceptions of nested fields go through the filter too (codes, never a 500).
        fieldResolverEnhancers: ['filters'],
        context: (request: FastifyRequest, reply: FastifyReply) => contexts.create(request, reply),
        formatError: formatGraphQLError,
        plugins: [
          // Apollo's default cache-control plugin wraps every field resolver (willResolveField) for
          // hints c360 does not use; its one effect, `Cache-Control: no-store`, is set below.
          ApolloServerPluginCacheControlDisabled(),
          operationLimitsPlugin(config.get('graphqlMaxDepth'), config.get('graphqlMaxComplexity')),
          responseCachePlugin(cache, masking),
          snapshotHeaderPlugin(),
        ],
      }),
    }),
  ],
  providers: [GraphqlCacheHook],
})
export class GraphqlModule {}
