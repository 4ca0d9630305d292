import { ValidateIsoInstant } from '../../common/validation/validators';

/** Query of `GET /v1/customers/{id}`. */
export class GetCustomerQueryDto {
  @ValidateIsoInstant(
    'Point in time: the profile version valid then and order metrics up to then (not after the ' +
      "snapshot's as_of). RFM scores are null and the segment is known only for prospects.",
  )
  as_of?: Date;
}
