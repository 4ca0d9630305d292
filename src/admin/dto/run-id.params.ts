import { ValidateIdentifier } from '../../common/validation/validators';

export class RunIdParams {
  @ValidateIdentifier('Run id')
  id!: string;
}
