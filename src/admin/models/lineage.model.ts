import { ApiProperty } from '@nestjs/swagger';
import { Page, PageDto } from '../../common/pagination/page.dto';
import { RunEvent } from '../../lineage/openlineage';

/** OpenLineage run events (GET /v1/admin/lineage): each a RunEvent of spec 2-0-2. */
export class LineageListDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'OpenLineage RunEvents (https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent)',
  })
  data!: Array<Record<string, unknown>>;

  @ApiProperty({ type: PageDto }) page!: PageDto;
}

export interface LineageList {
  data: RunEvent[];
  page: Page;
}
