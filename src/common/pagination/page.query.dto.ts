import {
  DEFAULT_PAGE_LIMIT,
  ValidateBooleanFlag,
  ValidateCursor,
  ValidateLimit,
} from '../validation/validators';

/** `limit`, `cursor` and `include_total` of a paginated list (SPEC §8). */
export class PageQueryDto {
  @ValidateLimit()
  limit: number = DEFAULT_PAGE_LIMIT;

  @ValidateCursor()
  cursor?: string;

  @ValidateBooleanFlag('Adds page.total, the number of rows over all pages')
  include_total: boolean = false;
}
