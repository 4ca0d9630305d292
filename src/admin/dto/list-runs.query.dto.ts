import { DEFAULT_PAGE_LIMIT, ValidateLimit } from '../../common/validation/validators';

export class ListRunsQueryDto {
  @ValidateLimit()
  limit: number = DEFAULT_PAGE_LIMIT;
}
