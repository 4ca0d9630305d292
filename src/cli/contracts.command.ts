import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { printSchema } from 'graphql';
import { buildOpenApiDocument, createApp } from '../app.factory';
import { setLogLevel } from '../common/logger';
import { C360Config, PACKAGE_ROOT } from '../config/config';
import { renderConfigurationDoc } from '../config/config-doc';
import { CliError } from './cli-error';

export interface GeneratedArtifact {
  path: string;
  content: string;
}

const GRAPHQL_SCHEMA_HEADER =
  '# The GraphQL schema served at /graphql, generated from the code by `npx c360 contracts`.\n' +
  '# Do not edit: test/contracts.test.ts fails when it drifts from the code.\n\n';

/** The checked-in contracts, rendered from the code. */
export async function renderContracts(): Promise<GeneratedArtifact[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'c360-contracts-'));
  setLogLevel('silent');
  try {
    const config = C360Config.fromEnv({
      C360_DATA_DIR: dataDir,
      C360_CONFIG_DIR: PACKAGE_ROOT,
      AUTH_JWT_SECRET: 'contracts-only-secret-not-used',
      C360_SCHEDULE: 'off',
      LOG_LEVEL: 'silent',
    });
    const app = await createApp(config, { logger: false });
    try {
      const document = buildOpenApiDocument(app);
      const schema = printSchema(app.get(GraphQLSchemaHost).schema);
      return [
        { path: 'docs/openapi.json', content: `${JSON.stringify(document, null, 2)}\n` },
        { path: 'graphql/schema.graphql', content: `${GRAPHQL_SCHEMA_HEADER}${schema}\n` },
        { path: 'docs/configuration.md', content: renderConfigurationDoc() },
      ];
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** `c360 contracts [--check]`: writes (or only compares) the generated contracts. */
export async function contractsCommand(options: { check: boolean }): Promise<number> {
  const artifacts = await renderContracts();
  const stale: string[] = [];
  for (const artifact of artifacts) {
    const file = join(PACKAGE_ROOT, artifact.path);
    const current = existsSync(file) ? readFileSync(file, 'utf8') : null;
    if (current === artifact.content) continue;
    if (options.check) stale.push(artifact.path);
    else {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, artifact.content);
    }
  }
  if (stale.length > 0) {
    throw new CliError(`out of date: ${stale.join(', ')} — run npx c360 contracts`, 1);
  }
  console.log(
    options.check ? 'contracts are up to date' : `wrote ${artifacts.map((a) => a.path).join(', ')}`,
  );
  return 0;
}
