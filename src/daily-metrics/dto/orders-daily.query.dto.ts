import { ArgsType, Field } from '@nestjs/graphql';
import { IsString } from 'class-validator';
import { ValidateIsoDate } from '../../common/validation/validators';
import { DateScalar } from '../../graphql/scalars';

/** Query of `GET /v1/metrics/orders-daily`. */
export class OrdersDailyQueryDto {
  @ValidateIsoDate('First day (inclusive, UTC)')
  from!: string;

  @ValidateIsoDate('Last day (inclusive, UTC)')
  to!: string;
}

@ArgsType()
export class OrdersDailyArgs {
  // Already a valid day (the Date scalar parses it); declared for the validation pipe.
  @Field(() => DateScalar, { description: 'First day (inclusive, UTC)' })
  @IsString()
  from!: string;

  @Field(() => DateScalar, { description: 'Last day (inclusive, UTC)' })
  @IsString()
  to!: string;
}
