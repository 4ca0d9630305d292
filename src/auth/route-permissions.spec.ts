import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { RESOLVER_TYPE_METADATA } from '@nestjs/graphql/dist/graphql.constants';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../app.factory';
import { setLogLevel } from '../common/logger';
import { C360Config, PACKAGE_ROOT } from '../config/config';
import { IS_PUBLIC_KEY, PERMISSION_KEY } from './auth.decorators';
import { PERMISSIONS } from './policy';

interface Handler {
  route: string;
  isPublic: boolean;
  permission: unknown;
}

/** Every route handler of every controller registered in the application. */
function routeHandlers(app: NestFastifyApplication): Handler[] {
  const handlers: Handler[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const method = prototype[name];
        if (name === 'constructor' || typeof method !== 'function') continue;
        if (Reflect.getMetadata(PATH_METADATA, method) === undefined) continue;
        const verb = RequestMethod[Reflect.getMetadata(METHOD_METADATA, method) as number];
        const lookup = (key: string): unknown =>
          Reflect.getMetadata(key, method) ?? Reflect.getMetadata(key, controller);
        handlers.push({
          route: `${verb} ${controller.name}.${name}`,
          isPublic: lookup(IS_PUBLIC_KEY) === true,
          permission: lookup(PERMISSION_KEY),
        });
      }
    }
  }
  return handlers;
}

/** Every GraphQL root field (Query/Mutation/Subscription) of every resolver. Field resolvers
 *  (`@ResolveField`) hang under a root field and are guarded by it. */
function rootFields(app: NestFastifyApplication): Handler[] {
  const handlers: Handler[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.providers.values()) {
      const resolver = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!resolver || typeof resolver !== 'function' || !resolver.prototype) continue;
      const prototype = resolver.prototype as object;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        // Descriptors, not property reads: some framework providers have throwing getters.
        const method: unknown = Object.getOwnPropertyDescriptor(prototype, name)?.value;
        if (name === 'constructor' || typeof method !== 'function') continue;
        const type = Reflect.getMetadata(RESOLVER_TYPE_METADATA, method) as string | undefined;
        if (type !== 'Query' && type !== 'Mutation' && type !== 'Subscription') continue;
        const lookup = (key: string): unknown =>
          Reflect.getMetadata(key, method) ?? Reflect.getMetadata(key, resolver);
        handlers.push({
          route: `${type} ${resolver.name}.${name}`,
          isPublic: lookup(IS_PUBLIC_KEY) === true,
          permission: lookup(PERMISSION_KEY),
        });
      }
    }
  }
  return handlers;
}

describe('route access declarations', () => {
  let app: NestFastifyApplication;
  let dataDir: string;

  beforeAll(async () => {
    setLogLevel('silent');
    dataDir = mkdtempSync(join(tmpdir(), 'c360-routes-'));
    const config = C360Config.fromEnv({
      AUTH_JWT_SECRET: 'route-scan-secret-0123456789',
      C360_DATA_DIR: dataDir,
      C360_CONFIG_DIR: PACKAGE_ROOT,
      C360_SCHEDULE: 'off',
    });
    app = await createApp(config, { logger: false });
  });

  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds the application routes', () => {
    const routes = routeHandlers(app).map((h) => h.route);
    expect(routes).toEqual(
      expect.arrayContaining(['GET CustomersController.list', 'GET HealthController.live']),
    );
  });

  it('finds the GraphQL root fields', () => {
    expect(rootFields(app).map((h) => h.route)).toEqual(
      expect.arrayContaining([
        'Query CustomersResolver.customer',
        'Query CustomersResolver.customers',
        'Query SegmentsResolver.segments',
        'Query ProductsResolver.product',
        'Query ProductsResolver.products',
        'Query DailyMetricsResolver.ordersDaily',
      ]),
    );
  });

  it('every GraphQL root field declares a known permission (none is public)', () => {
    const undeclared = rootFields(app)
      .filter((h) => h.isPublic || !(PERMISSIONS as readonly unknown[]).includes(h.permission))
      .map((h) => h.route);
    expect(undeclared).toEqual([]);
  });

  it('every handler is @Public() or declares a known permission', () => {
    const undeclared = routeHandlers(app)
      .filter((h) => !h.isPublic && !(PERMISSIONS as readonly unknown[]).includes(h.permission))
      .map((h) => h.route);
    expect(undeclared).toEqual([]);
  });

  it('no handler is both public and permission-guarded', () => {
    const both = routeHandlers(app)
      .filter((h) => h.isPublic && h.permission !== undefined)
      .map((h) => h.route);
    expect(both).toEqual([]);
  });
});
