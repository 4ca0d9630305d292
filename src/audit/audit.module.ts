import { Global, Module } from '@nestjs/common';
import { DataDirs } from '../common/data-dirs';
import { C360Config } from '../config/config';
import { AuditRecorder } from './audit-recorder';
import { AuditInterceptor } from './audit.interceptor';
import { AuditStore } from './audit.store';

/** Segments the audit budget is split into (see AuditStore). */
const AUDIT_FILES = 8;

/** The audit log and the global interceptor that writes it. */
@Global()
@Module({
  providers: [
    {
      provide: AuditStore,
      useFactory: (config: C360Config, dirs: DataDirs) =>
        new AuditStore(dirs, Math.floor((config.get('auditMaxMb') * 1024 * 1024) / AUDIT_FILES)),
      inject: [C360Config, DataDirs],
    },
    AuditRecorder,
    AuditInterceptor,
  ],
  exports: [AuditStore, AuditRecorder, AuditInterceptor],
})
export class AuditModule {}
