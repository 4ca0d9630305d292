import { lineageRunId } from './openlineage';

describe('OpenLineage ids', () => {
  it('derives one stable UUID per c360 run and job', () => {
    const id = lineageRunId('r20250101T000000Z-abc', 'c360.build');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(lineageRunId('r20250101T000000Z-abc', 'c360.build')).toBe(id);
    expect(lineageRunId('r20250101T000000Z-abc', 'c360.build.gold')).not.toBe(id);
  });
});
