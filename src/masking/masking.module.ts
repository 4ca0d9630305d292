import { DynamicModule, Global, Module } from '@nestjs/common';
import { Policy } from '../auth/policy';
import { C360Config } from '../config/config';
import { MaskingService } from './masking.service';
import { PiiClassification } from './pii-classification';

@Global()
@Module({})
export class MaskingModule {
  static forRoot(classification: PiiClassification): DynamicModule {
    return {
      module: MaskingModule,
      providers: [
        { provide: PiiClassification, useValue: classification },
        {
          provide: MaskingService,
          useFactory: (policy: Policy, config: C360Config) =>
            new MaskingService(policy, classification, config.maskingKey),
          inject: [Policy, C360Config],
        },
      ],
      exports: [PiiClassification, MaskingService],
    };
  }
}
