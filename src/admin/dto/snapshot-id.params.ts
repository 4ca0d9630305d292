import { ValidateIdentifier } from '../../common/validation/validators';

export class SnapshotIdParams {
  @ValidateIdentifier('Snapshot id')
  id!: string;
}
