import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { AdminModule } from './admin/admin.module';
import { AthenaModule } from './athena/athena.module';
import { AuditInterceptor } from './audit/audit.interceptor';
import { AuditModule } from './audit/audit.module';
import { AuthGuard } from './auth/auth.guard';
import { AuthModule } from './auth/auth.module';
import { loadPolicy } from './auth/policy';
import { ProblemFilter } from './common/http/problem.filter';
import { createValidationPipe } from './common/http/validation.pipe';
import { C360Config } from './config/config';
import { CoreModule } from './core/core.module';
import { CustomersModule } from './customers/customers.module';
import { HealthModule } from './health/health.module';
import { IngestApiModule } from './ingest-api/ingest-api.module';
import { LifecycleModule } from './lifecycle/drain.service';
import { MaskingModule } from './masking/masking.module';
import { ObservabilityModule } from './observability/observability.module';
import { PiiClassification } from './masking/pii-classification';
import { PipelineModule } from './pipeline/pipeline.module';
import { ServingModule } from './serving/serving.module';
import { SnapshotResponseInterceptor } from './serving/snapshot-response.interceptor';
import { GraphqlModule } from './graphql/graphql.module';
import { SegmentsModule } from './segments/segments.module';
import { ProductsModule } from './products/products.module';
import { DailyMetricsModule } from './daily-metrics/daily-metrics.module';

/** The API process: core singletons, auth and masking, the feature modules, and the global
 *  filter, pipe, guard and interceptors every route goes through. */
@Module({})
export class AppModule {
  /** Reads the policy and the PII classes before Nest starts: a bad file throws one clear Error
   *  naming it instead of surfacing as a dependency-injection failure. */
  static forRoot(config: C360Config): DynamicModule {
    const policy = loadPolicy(config.configDir);
    const classification = PiiClassification.fromConfigDir(config.configDir);
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config),
        AthenaModule.forRoot(config),
        AuthModule.forRoot(policy),
        MaskingModule.forRoot(classification),
        AuditModule,
        PipelineModule,
        HealthModule,
        ObservabilityModule,
        LifecycleModule,
        ServingModule,
        CustomersModule,
        SegmentsModule,
        ProductsModule,
        DailyMetricsModule,
        GraphqlModule,
        AdminModule,
        IngestApiModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_GUARD, useExisting: AuthGuard },
        // Outermost: audits reads answered from the response cache too.
        { provide: APP_INTERCEPTOR, useExisting: AuditInterceptor },
        // Also masks @PiiResponse results (one interceptor layer fewer per request).
        { provide: APP_INTERCEPTOR, useExisting: SnapshotResponseInterceptor },
      ],
    };
  }
}
