import { Global, Module } from '@nestjs/common';
import { CursorCodec } from '../common/pagination/cursor';
import { C360Config } from '../config/config';
import { ResponseCache } from './response-cache';
import { SnapshotResponseInterceptor } from './snapshot-response.interceptor';

/** Read-side singletons shared by every feature: cursors, the response cache and its
 *  interceptor. (The snapshot reader itself is a core singleton.) */
@Global()
@Module({
  providers: [
    {
      provide: CursorCodec,
      useFactory: (config: C360Config) => new CursorCodec(config.maskingKey),
      inject: [C360Config],
    },
    ResponseCache,
    SnapshotResponseInterceptor,
  ],
  exports: [CursorCodec, ResponseCache, SnapshotResponseInterceptor],
})
export class ServingModule {}
