import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface GoldModel {
  name: string;
  file: string;
  sql: string;
  dependsOn: string[];
  grain: string | null;
}

export class ModelDefinitionError extends Error {}

const HEADER = /^--\s*(grain|depends_on)\s*:\s*(.*)$/;

/** Reads `gold/*.sql`. Each model declares its upstream relations in a `-- depends_on:` line. */
export function loadGoldModels(configDir: string): GoldModel[] {
  const dir = join(configDir, 'gold');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((fileName) => {
      const name = fileName.slice(0, -4);
      if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new ModelDefinitionError(`gold/${fileName}: bad model name`);
      const sql = readFileSync(join(dir, fileName), 'utf8');
      let dependsOn: string[] = [];
      let grain: string | null = null;
      for (const line of sql.split('\n')) {
        const match = HEADER.exec(line.trim());
        if (!match) continue;
        if (match[1] === 'grain') grain = match[2].trim();
        else
          dependsOn = match[2]
            .split(',')
            .map((d) => d.trim())
            .filter(Boolean);
      }
      return { name, file: `gold/${fileName}`, sql: sql.trim().replace(/;\s*$/, ''), dependsOn, grain };
    });
}

/** Models in dependency order (dependencies on non-models — silver tables — are inputs). */
export function orderModels(models: GoldModel[]): GoldModel[] {
  const byName = new Map(models.map((m) => [m.name, m]));
  const ordered: GoldModel[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (model: GoldModel, path: string[]): void => {
    const current = state.get(model.name);
    if (current === 'done') return;
    if (current === 'visiting') {
      throw new ModelDefinitionError(
        `gold models depend on each other in a cycle: ${[...path, model.name].join(' → ')}`,
      );
    }
    state.set(model.name, 'visiting');
    for (const dependency of model.dependsOn) {
      const upstream = byName.get(dependency);
      if (upstream) visit(upstream, [...path, model.name]);
    }
    state.set(model.name, 'done');
    ordered.push(model);
  };
  for (const model of models) visit(model, []);
  return ordered;
}
