import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DatabaseReader, parseCursor, SourceReadError } from '../../ingest/database-source';
import { ExtractOptions, ExtractResult, Extractor } from '../../ingest/extractor';
import { LandingFile, listLandingFiles } from '../../ingest/landing-files';
import { objectName, S3SourceReader } from '../../ingest/s3-source';
import { cdcSpoolGlob, ExtractableSource, loadSourceCatalog } from '../../ingest/source-definition';
import { runStagingModel } from '../../ingest/staging';
import { SourceReconciliation } from '../../runs/run.model';
import { RunContext, StepResult, throwIfCancelled } from '../run-context';

interface Extraction {
  files: LandingFile[];
  result: ExtractResult;
}

/**
 * Every selected source → bronze and quarantine Parquet for this run: landing files (`file`,
 * `events`, `debezium` with its HTTP spool), objects (`s3`), database pages (`postgres`,
 * `mysql`), then the staging models over what their input sources wrote. What a run read is
 * recorded by the publish step only: a run that does not publish leaves every watermark, cursor
 * and file registration as it was, and the next run reads the same window again.
 *
 * A backfill window (`selection.window`) re-reads the rows whose watermark lies in [from, to):
 * databases query that range; object stores and landing zones re-read every object or file
 * (they carry no reliable row time) and keep the rows inside it. A backfill moves no watermark
 * and registers nothing new; silver collapses what it re-reads with what was there.
 */
export async function extractStep(ctx: RunContext): Promise<StepResult> {
  const extractor = new Extractor({
    connection: ctx.connection,
    runId: ctx.run.id,
    ingestTs: new Date(ctx.run.started_at),
    bronzeDir: ctx.dirs.bronze,
    quarantineDir: ctx.dirs.quarantine,
  });
  const window = ctx.selection.window ?? null;
  const options: ExtractOptions = { window };
  const models = ctx.selected.filter((s) => s.staging !== null);
  const direct = ctx.selected.filter((s) => s.staging === null);
  // Staging inputs: declared sources without an entity, or entity sources not selected here.
  const needed = new Set(models.map((m) => m.staging?.input ?? ''));
  const raw = loadSourceCatalog(ctx.config.configDir).raw.filter((s) => needed.has(s.name));
  for (const name of needed) {
    const source = ctx.sources.find((s) => s.name === name && s.staging === null);
    if (source && !direct.includes(source)) direct.push(source);
  }

  const bronzeOf = new Map<string, string | null>();
  let read = 0;
  let loaded = 0;
  const record = (source: ExtractableSource, result: ExtractResult, watermarkFrom: string | null): void => {
    bronzeOf.set(source.name, result.bronzePath && result.loaded > 0 ? result.bronzePath : null);
    const reconciliation: SourceReconciliation = {
      name: source.name,
      read: result.read,
      loaded: result.loaded,
      quarantined: result.quarantined,
      watermark_from: watermarkFrom,
      watermark_to: window ? watermarkFrom : laterOf(watermarkFrom, result.watermarkTo),
      files: result.files,
      kind: source.kind,
      hash_total: result.hashTotal,
      window: window ? { from: window.from.toISOString(), to: window.to.toISOString() } : null,
    };
    ctx.run.sources.push(reconciliation);
    ctx.run.drift.push(...result.drift);
    read += result.read;
    loaded += result.loaded;
    ctx.log.info(
      {
        source: source.name,
        kind: source.kind,
        files: result.files.length,
        read: result.read,
        loaded: result.loaded,
        quarantined: result.quarantined,
      },
      'extracted',
    );
  };

  for (const source of direct) {
    throwIfCancelled(ctx.signal);
    const watermarkFrom = await ctx.registry.watermark(source.name);
    const { files, result } = await extractSource(ctx, extractor, source, options);
    result.watermarkTo = window ? watermarkFrom : laterOf(watermarkFrom, result.watermarkTo);
    ctx.extracted.push({ source, files, result });
    record(source, result, watermarkFrom);
  }
  for (const source of raw) {
    throwIfCancelled(ctx.signal);
    removeUnpublishedBronze(ctx, source.name, await ctx.registry.registeredRunIds());
    const watermarkFrom = await ctx.registry.watermark(source.name);
    const { files, result } = await extractSource(ctx, extractor, source, options);
    result.watermarkTo = window ? watermarkFrom : laterOf(watermarkFrom, result.watermarkTo);
    // Not an entity source: the publish step does not see it, so its loads are staged here.
    ctx.registry.stageLoad({
      source: source.name,
      files,
      bronzePath: result.bronzePath && result.loaded > 0 ? relative(ctx.dirs.root, result.bronzePath) : null,
      rows: result.loaded,
      watermark: result.watermarkTo,
    });
    record(source, result, watermarkFrom);
  }
  for (const model of models) {
    throwIfCancelled(ctx.signal);
    const result = await runStagingModel(
      {
        connection: ctx.connection,
        runId: ctx.run.id,
        ingestTs: new Date(ctx.run.started_at),
        bronzeDir: ctx.dirs.bronze,
      },
      model,
      bronzeOf.get(model.staging?.input ?? '') ?? null,
    );
    const watermarkFrom = await ctx.registry.watermark(model.name);
    result.watermarkTo = laterOf(watermarkFrom, result.watermarkTo);
    ctx.extracted.push({ source: model, files: [], result });
    record(model, result, watermarkFrom);
  }
  return { rowsIn: read, rowsOut: loaded };
}

async function extractSource(
  ctx: RunContext,
  extractor: Extractor,
  source: ExtractableSource,
  options: ExtractOptions,
): Promise<Extraction> {
  const window = options.window ?? null;
  if (window && !source.watermark && source.kind !== 'debezium') {
    // Nothing says which of its rows lie in the window.
    return { files: [], result: await extractor.extract(source, [], options) };
  }
  switch (source.kind) {
    case 'file':
    case 'events':
    case 'debezium': {
      const all = landingFilesOf(ctx, source);
      if (window) return { files: [], result: await extractor.extract(source, all, options) };
      const loaded = await ctx.registry.loadedFileNames(source.name);
      const files = all.filter((f) => !loaded.has(f.name));
      return { files, result: await extractor.extract(source, files, options) };
    }
    case 's3':
      return extractObjects(ctx, extractor, source, options);
    case 'postgres':
    case 'mysql':
      return { files: [], result: await extractDatabase(ctx, extractor, source, options) };
    case 'staging':
      throw new SourceReadError(`source ${source.name}: staging models run after their input`);
  }
}

/** A source's landing files; a Debezium source also reads what `POST /v1/ingest/cdc/{source}` spooled. */
function landingFilesOf(ctx: RunContext, source: ExtractableSource): LandingFile[] {
  const files = source.path ? listLandingFiles(ctx.dirs.landing, source.path) : [];
  if (source.kind !== 'debezium') return files;
  return [...files, ...listLandingFiles(ctx.dirs.landing, cdcSpoolGlob(source.name))];
}

async function extractObjects(
  ctx: RunContext,
  extractor: Extractor,
  source: ExtractableSource,
  options: ExtractOptions,
): Promise<Extraction> {
  const reader = new S3SourceReader(source, process.env);
  const scratch = join(ctx.dirs.scratch, ctx.run.id, 's3', source.name);
  try {
    const objects = await reader.list();
    const window = options.window;
    const bucket = source.s3?.bucket ?? '';
    // A backfill re-reads every object and keeps the rows of its window (objects carry no row time).
    let chosen = objects;
    if (!window) {
      // New objects: not loaded before under this key, size and modification time (an object
      // re-uploaded under its key is read again).
      const loaded = new Set(
        (await ctx.registry.loadedFiles(source.name)).map((f) => `${f.name}|${f.size}|${f.mtimeMs}`),
      );
      chosen = objects.filter(
        (o) => !loaded.has(`${objectName(bucket, o.key)}|${o.size}|${o.lastModified.getTime()}`),
      );
    }
    throwIfCancelled(ctx.signal);
    const files = await reader.download(chosen, scratch);
    const result = await extractor.extract(source, files, options);
    return { files: window ? [] : files, result };
  } finally {
    reader.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function extractDatabase(
  ctx: RunContext,
  extractor: Extractor,
  source: ExtractableSource,
  options: ExtractOptions,
): Promise<ExtractResult> {
  const reader = new DatabaseReader(source);
  const after = parseCursor(await ctx.registry.cursor(source.name));
  let cursorTo: string | null = null;
  const result = await extractor.extractRecords(
    source,
    async (rawName) => {
      const read = await reader.read(ctx.connection, rawName, {
        after,
        window: options.window ?? null,
        checkCancelled: () => throwIfCancelled(ctx.signal),
        env: process.env,
        onRetry: (attempt, reason) =>
          ctx.log.warn({ source: source.name, attempt, reason }, 'source read failed; retrying'),
      });
      cursorTo = read.cursorTo ? JSON.stringify(read.cursorTo) : null;
      return { ...read.table, sourceTotal: read.sourceTotal };
    },
    options,
  );
  result.files = [reader.origin];
  if (result.hashTotal && !result.hashTotal.matches) {
    throw new SourceReadError(
      `source ${source.name}: reconciliation failed: the database counts ${result.hashTotal.rows} row(s) ` +
        `with hash total ${result.hashTotal.source}, the run landed ${result.read} with ${result.hashTotal.landed}`,
    );
  }
  if (cursorTo) ctx.registry.stageCursor(source.name, cursorTo);
  return result;
}

/** Bronze a source-only-for-staging run wrote but never published (the build removes only the
 *  bronze of the sources it knows). */
function removeUnpublishedBronze(ctx: RunContext, source: string, registered: Set<string>): void {
  const dir = join(ctx.dirs.bronze, source);
  if (!existsSync(dir)) return;
  for (const file of readdirSync(dir)) {
    const runId = file.replace(/\.parquet$/, '');
    if (file.endsWith('.parquet') && runId !== ctx.run.id && !registered.has(runId)) {
      rmSync(join(dir, file), { force: true });
    }
  }
}

/** The later of two watermarks (ISO-8601 or `YYYY-MM-DD HH:MM:SS` text); a watermark never goes back. */
function laterOf(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  const time = (text: string): number =>
    Date.parse(/[zZ]|[+-]\d{2}:\d{2}$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
  return time(b) >= time(a) ? b : a;
}
