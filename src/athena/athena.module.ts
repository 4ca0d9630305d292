import { AthenaClient } from '@aws-sdk/client-athena';
import { GlueClient } from '@aws-sdk/client-glue';
import {
  CallHandler,
  DynamicModule,
  ExecutionContext,
  FactoryProvider,
  Global,
  Injectable,
  Module,
  NestInterceptor,
  OnModuleDestroy,
} from '@nestjs/common';
import { APP_INTERCEPTOR, Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import { FastifyRequest } from 'fastify';
import { GraphQLResolveInfo } from 'graphql';
import { Observable } from 'rxjs';
import { Principal } from '../auth/principal';
import { C360Config } from '../config/config';
import { MaskingService } from '../masking/masking.service';
import { PiiClassification } from '../masking/pii-classification';
import { PII_RESPONSE_KEY, PiiResponseMetadata } from '../masking/pii-response.decorator';
import { AthenaQueryRunner, AthenaSettings } from './athena-client';
import { AthenaEngine, AthenaSnapshotPointer } from './athena-engine';
import { athenaCaller, AthenaCaller, AthenaMasking } from './athena-masking';

export function athenaSettings(config: C360Config): AthenaSettings {
  const database = config.get('athenaDatabase');
  const outputLocation = config.get('athenaOutputLocation');
  if (!database || !outputLocation)
    throw new Error('ATHENA_DATABASE and ATHENA_OUTPUT_LOCATION are required');
  return {
    workgroup: config.get('athenaWorkgroup'),
    database,
    outputLocation,
    pollInitialMs: config.get('athenaPollMs'),
    pollMaxMs: config.get('athenaPollMaxMs'),
    timeoutMs: config.get('athenaQueryTimeout') * 1000,
    resultReuseMinutes: config.get('athenaResultReuseMinutes'),
  };
}

/** The Athena engine of this process, created on first use (only when C360_ENGINE=athena). */
@Injectable()
export class AthenaEngineHolder implements OnModuleDestroy {
  private created: { engine: AthenaEngine; athena: AthenaClient; glue: GlueClient } | null = null;

  constructor(
    private readonly config: C360Config,
    private readonly masking: MaskingService,
    private readonly classification: PiiClassification,
  ) {}

  get engine(): AthenaEngine {
    if (!this.created) {
      const settings = athenaSettings(this.config);
      const region = this.config.get('awsRegion') ?? undefined;
      const athena = new AthenaClient({ region, maxAttempts: 4 });
      const glue = new GlueClient({ region, maxAttempts: 4 });
      const engine = new AthenaEngine(
        new AthenaQueryRunner(athena, settings),
        new AthenaMasking(this.masking, this.classification, this.config.maskingKey),
        new AthenaSnapshotPointer(glue, settings.database),
      );
      this.created = { engine, athena, glue };
    }
    return this.created.engine;
  }

  onModuleDestroy(): void {
    this.created?.athena.destroy();
    this.created?.glue.destroy();
  }
}

/**
 * Runs each handler inside the caller's context (principal and route kind) so the Athena
 * repositories mask PII in the SQL they send. REST: the kind of the handler's @PiiResponse;
 * GraphQL: `single` for the `customer` root field, `list` otherwise.
 */
@Injectable()
export class AthenaCallerInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const caller = this.callerOf(context);
    return new Observable((subscriber) =>
      athenaCaller.run(caller, () => next.handle().subscribe(subscriber)),
    );
  }

  private callerOf(context: ExecutionContext): AthenaCaller {
    if (context.getType<string>() === 'graphql') {
      const gql = GqlExecutionContext.create(context);
      const principal = gql.getContext<{ principal?: Principal }>().principal ?? null;
      const info = gql.getInfo<GraphQLResolveInfo>();
      return { principal, kind: info.fieldName === 'customer' ? 'single' : 'list' };
    }
    const pii = this.reflector.get<PiiResponseMetadata | undefined>(PII_RESPONSE_KEY, context.getHandler());
    const principal = context.switchToHttp().getRequest<FastifyRequest>().principal ?? null;
    return { principal, kind: pii?.kind ?? 'list' };
  }
}

/**
 * A repository provider keyed on C360_ENGINE: the DuckDB class by default, the Athena one when
 * reads go through Athena. Feature modules use it in place of `{ provide, useClass }`.
 */
export function engineRepository<T>(
  token: abstract new () => T,
  duckdb: new () => T,
  athena: (engine: AthenaEngine) => T,
): FactoryProvider<T> {
  return {
    provide: token,
    useFactory: (config: C360Config, holder: AthenaEngineHolder) =>
      config.get('engine') === 'athena' ? athena(holder.engine) : new duckdb(),
    inject: [C360Config, AthenaEngineHolder],
  };
}

@Global()
@Module({})
export class AthenaModule {
  static forRoot(config: C360Config): DynamicModule {
    return {
      module: AthenaModule,
      providers: [
        AthenaEngineHolder,
        ...(config.get('engine') === 'athena'
          ? [{ provide: APP_INTERCEPTOR, useClass: AthenaCallerInterceptor }]
          : []),
      ],
      exports: [AthenaEngineHolder],
    };
  }
}
