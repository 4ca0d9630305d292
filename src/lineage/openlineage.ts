import { createHash } from 'node:crypto';

/** The spec version c360's events follow; every event names it in `schemaURL`. */
export const OPENLINEAGE_SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
export const PRODUCER = 'https://github.com/c360/c360';
export const JOB_NAMESPACE = 'c360';

/** `_schemaURL` of each facet c360 emits (the facet schemas of the OpenLineage repository). */
export const FACET_SCHEMAS = {
  schema: 'https://openlineage.io/spec/facets/1-0-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet',
  outputStatistics:
    'https://openlineage.io/spec/1-0-1/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet',
  dataQualityAssertions:
    'https://openlineage.io/spec/facets/1-0-0/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet',
  parent: 'https://openlineage.io/spec/1-0-1/ParentRunFacet.json#/$defs/ParentRunFacet',
  errorMessage:
    'https://openlineage.io/spec/facets/1-0-0/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet',
  nominalTime: 'https://openlineage.io/spec/1-0-1/NominalTimeRunFacet.json#/$defs/NominalTimeRunFacet',
  sql: 'https://openlineage.io/spec/1-0-1/SQLJobFacet.json#/$defs/SQLJobFacet',
  jobType: 'https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet',
} as const;

export type EventType = 'START' | 'COMPLETE' | 'FAIL' | 'ABORT';

export interface Facet {
  _producer: string;
  _schemaURL: string;
  [key: string]: unknown;
}

export interface OlDataset {
  namespace: string;
  name: string;
  facets?: Record<string, Facet>;
}

export interface OlInputDataset extends OlDataset {
  inputFacets?: Record<string, Facet>;
}

export interface OlOutputDataset extends OlDataset {
  outputFacets?: Record<string, Facet>;
}

export interface OlJob {
  namespace: string;
  name: string;
  facets?: Record<string, Facet>;
}

export interface RunEvent {
  eventType: EventType;
  eventTime: string;
  run: { runId: string; facets?: Record<string, Facet> };
  job: OlJob;
  inputs: OlInputDataset[];
  outputs: OlOutputDataset[];
  producer: string;
  schemaURL: string;
}

export function facet(kind: keyof typeof FACET_SCHEMAS, fields: Record<string, unknown>): Facet {
  return { _producer: PRODUCER, _schemaURL: FACET_SCHEMAS[kind], ...fields };
}

/** A stable UUID (version-5 layout) for an OpenLineage run: one per c360 run and job. */
export function lineageRunId(runId: string, job: string): string {
  const bytes = createHash('sha1').update(`c360:${runId}:${job}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
