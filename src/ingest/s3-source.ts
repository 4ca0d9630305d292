import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { safeMessage } from '../common/safe-message';
import { SourceReadError } from './database-source';
import { batchOf, globToRegExp, LandingFile } from './landing-files';
import { ExtractableSource, S3Location } from './source-definition';

export interface S3Object {
  key: string;
  size: number;
  lastModified: Date;
}

/** The registry name of an object. */
export const objectName = (bucket: string, key: string): string => `s3://${bucket}/${key}`;

/**
 * An `s3` source: lists the objects under its prefix (the object name after the prefix matching
 * its pattern) and downloads the ones to read into the run's scratch directory, where they are
 * read like landing files. Credentials come from the standard AWS chain (environment, profile,
 * instance role); an S3-compatible endpoint from the variable `endpoint_env` names.
 */
export class S3SourceReader {
  private readonly location: S3Location;
  private readonly client: S3Client;

  constructor(
    private readonly source: ExtractableSource,
    env: NodeJS.ProcessEnv,
  ) {
    if (!source.s3) throw new SourceReadError(`source ${source.name}: not an s3 source`);
    this.location = source.s3;
    const endpoint = this.location.endpointEnv ? env[this.location.endpointEnv] : undefined;
    if (this.location.endpointEnv && !endpoint) {
      throw new SourceReadError(
        `source ${source.name}: environment variable ${this.location.endpointEnv} (endpoint_env) is not set`,
      );
    }
    this.client = new S3Client({
      region: this.location.region ?? env.AWS_REGION ?? 'us-east-1',
      endpoint,
      forcePathStyle: this.location.forcePathStyle,
      maxAttempts: source.retry.retries + 1,
    });
  }

  /** Every object under the prefix whose name matches the pattern, in batch order. */
  async list(): Promise<S3Object[]> {
    const pattern = globToRegExp(this.location.pattern);
    const objects: S3Object[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('list', () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.location.bucket,
            Prefix: this.location.prefix || undefined,
            ContinuationToken: token,
          }),
        ),
      );
      for (const item of page.Contents ?? []) {
        if (!item.Key || item.Key.endsWith('/')) continue;
        const rest = item.Key.slice(this.location.prefix.length);
        if (!pattern.test(rest)) continue;
        objects.push({ key: item.Key, size: item.Size ?? 0, lastModified: item.LastModified ?? new Date(0) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects.sort((a, b) => batchOf(a.key) - batchOf(b.key) || a.key.localeCompare(b.key));
  }

  /** Downloads objects into `dir` (streamed to disk) as landing files named by their S3 URI. */
  async download(objects: S3Object[], dir: string): Promise<LandingFile[]> {
    mkdirSync(dir, { recursive: true });
    const files: LandingFile[] = [];
    for (const [index, object] of objects.entries()) {
      // Keep the extension (.csv.gz, .parquet): readers choose compression from it.
      const base = object.key.split('/').pop() ?? 'object';
      const path = join(dir, `${String(index).padStart(6, '0')}-${base.replace(/[^A-Za-z0-9._-]/g, '_')}`);
      await this.call('get', async () => {
        const response = await this.client.send(
          new GetObjectCommand({ Bucket: this.location.bucket, Key: object.key }),
        );
        if (!(response.Body instanceof Readable)) throw new Error('the object body is not a stream');
        await pipeline(response.Body, createWriteStream(path));
      });
      files.push({
        path,
        name: objectName(this.location.bucket, object.key),
        batch: batchOf(object.key),
        size: object.size,
        mtimeMs: object.lastModified.getTime(),
      });
    }
    return files;
  }

  close(): void {
    this.client.destroy();
  }

  private async call<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const name = (error as { name?: unknown }).name;
      const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts;
      throw new SourceReadError(
        `source ${this.source.name}: s3 ${what} failed${attempts ? ` after ${attempts} attempt(s)` : ''}` +
          `${typeof name === 'string' ? ` (${name})` : ''}: ${safeMessage(error, 200)}`,
      );
    }
  }
}
