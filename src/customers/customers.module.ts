import { Module } from '@nestjs/common';
import { CursorCodec } from '../common/pagination/cursor';
import { C360Config } from '../config/config';
import { CustomersController } from './customers.controller';
import { CustomersRepository } from './customers.repository';
import { CustomersService } from './customers.service';

@Module({
  controllers: [CustomersController],
  providers: [
    CustomersService,
    CustomersRepository,
    {
      provide: CursorCodec,
      useFactory: (config: C360Config) => new CursorCodec(config.maskingKey),
      inject: [C360Config],
    },
  ],
  exports: [CustomersService],
})
export class CustomersModule {}
