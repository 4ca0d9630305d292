import { ValidateIdentifier } from '../../common/validation/validators';

export class CustomerIdParams {
  @ValidateIdentifier('customer_id')
  id!: string;
}
