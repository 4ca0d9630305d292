import { Module } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyInstance } from 'fastify';
import { C360Config } from '../config/config';
import { registerIngestBodies } from './ingest-body';
import { IngestController } from './ingest.controller';
import { IngestService } from './ingest.service';
import { QuarantineController } from './quarantine.controller';
import { QuarantineService } from './quarantine.service';

/** Marker provider: its factory sets up ingest bodies on the HTTP server before routes exist. */
export class IngestBodies {}

/** HTTP ingest (events, Debezium envelopes) and quarantine browsing. */
@Module({
  controllers: [IngestController, QuarantineController],
  providers: [
    IngestService,
    QuarantineService,
    {
      provide: IngestBodies,
      useFactory: (host: HttpAdapterHost, config: C360Config): IngestBodies => {
        registerIngestBodies(host.httpAdapter.getInstance<FastifyInstance>(), config.get('ingestMaxBytes'));
        return new IngestBodies();
      },
      inject: [HttpAdapterHost, C360Config],
    },
  ],
})
export class IngestApiModule {}
