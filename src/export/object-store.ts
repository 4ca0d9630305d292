import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream, statSync } from 'node:fs';

/** Where an export's files go. One implementation per kind of store. */
export interface ObjectStore {
  /** Human-readable location of `key` (s3://bucket/key). */
  uri(key: string): string;
  put(key: string, file: string): Promise<PutResult>;
  list(prefix: string): Promise<string[]>;
  delete(keys: string[]): Promise<void>;
  close(): void;
}

export interface S3Target {
  bucket: string;
  /** Key prefix without leading or trailing slash ('' for the bucket root). */
  prefix: string;
}

/** `s3://bucket/prefix` → bucket and prefix; null for anything else. */
export function parseS3Uri(uri: string): S3Target | null {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!match) return null;
  return { bucket: match[1], prefix: (match[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

/** How one file went up: a single PutObject, or a multipart upload in `parts` parts. */
export interface PutResult {
  key: string;
  bytes: number;
  parts: number;
}

/**
 * Amazon S3 (or an S3-compatible endpoint, path-style). Credentials come from the standard AWS
 * chain. Files are streamed through lib-storage's Upload: one PutObject up to `partSize`, a
 * multipart upload above it (parts uploaded 4 at a time, aborted on failure so no orphaned parts
 * are left to pay for).
 */
export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;
  readonly partSize: number;

  constructor(
    private readonly bucket: string,
    options: { region: string | null; endpoint: string | null; partSizeBytes?: number; client?: S3Client },
  ) {
    this.client =
      options.client ??
      new S3Client({
        region: options.region ?? 'us-east-1',
        ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
        maxAttempts: 4,
      });
    this.partSize = options.partSizeBytes ?? 16 * 1024 * 1024;
  }

  uri(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  async put(key: string, file: string): Promise<PutResult> {
    const bytes = statSync(file).size;
    let parts = 0;
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: createReadStream(file),
        ContentType: key.endsWith('.parquet')
          ? 'application/vnd.apache.parquet'
          : 'text/plain; charset=utf-8',
      },
      partSize: this.partSize,
      queueSize: 4,
      leavePartsOnError: false,
    });
    upload.on('httpUploadProgress', (progress) => {
      if (progress.part !== undefined) parts = Math.max(parts, progress.part);
    });
    await upload.done();
    // A file of at most one part goes up as a single PutObject.
    return { key, bytes, parts: bytes > this.partSize ? parts : 1 };
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
        }),
      );
    }
  }

  close(): void {
    this.client.destroy();
  }
}
