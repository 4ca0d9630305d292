import { Global, Module } from '@nestjs/common';
import { CursorCodec } from '../common/pagination/cursor';
import { C360Config } from '../config/config';
import { ReadLane } from './read-lane';
import { ResponseCache } from './response-cache';
import { SnapshotResponseInterceptor } from './snapshot-response.interceptor';
import { SnapshotResponder } from './snapshot-responder';

/** Read-side singletons shared by every feature: cursors, the response cache, the
 *  responder, its interceptor and the read lane. (The snapshot reader itself is a core singleton.) */
@Global()
@Module({
  providers: [
    {
      provide: CursorCodec,
      useFactory: (config: C360Config) => new CursorCodec(config.maskingKey),
      inject: [C360Config],
    },
    ResponseCache,
    SnapshotResponder,
    SnapshotResponseInterceptor,
    ReadLane,
  ],
  exports: [CursorCodec, ResponseCache, SnapshotResponder, SnapshotResponseInterceptor, ReadLane],
})
export class ServingModule {}
