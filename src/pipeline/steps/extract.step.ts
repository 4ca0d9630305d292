import { Extractor } from '../../ingest/extractor';
import { listLandingFiles } from '../../ingest/landing-files';
import { RunContext, StepResult, throwIfCancelled } from '../run-context';

/** Landing files (or other sources) → bronze and quarantine Parquet for this run. */
export async function extractStep(ctx: RunContext): Promise<StepResult> {
  const extractor = new Extractor({
    connection: ctx.connection,
    runId: ctx.run.id,
    ingestTs: new Date(ctx.run.started_at),
    bronzeDir: ctx.dirs.bronze,
    quarantineDir: ctx.dirs.quarantine,
  });
  let read = 0;
  let loaded = 0;
  for (const source of ctx.selected) {
    throwIfCancelled(ctx.signal);
    if (source.kind !== 'file' && source.kind !== 'debezium') {
      throw new Error(`source ${source.name}: kind ${source.kind} is not supported by this build yet`);
    }
    const loadedNames = await ctx.registry.loadedFileNames(source.name);
    const files = listLandingFiles(ctx.dirs.landing, source.path).filter((f) => !loadedNames.has(f.name));
    const result = await extractor.extract(source, files);
    const watermarkFrom = await ctx.registry.watermark(source.name);
    ctx.extracted.push({ source, files, result });
    ctx.run.sources.push({
      name: source.name,
      read: result.read,
      loaded: result.loaded,
      quarantined: result.quarantined,
      watermark_from: watermarkFrom,
      watermark_to: result.watermarkTo ?? watermarkFrom,
      files: result.files,
    });
    ctx.run.drift.push(...result.drift);
    read += result.read;
    loaded += result.loaded;
    ctx.log.info(
      {
        source: source.name,
        files: files.length,
        read: result.read,
        loaded: result.loaded,
        quarantined: result.quarantined,
      },
      'extracted',
    );
  }
  return { rowsIn: read, rowsOut: loaded };
}
