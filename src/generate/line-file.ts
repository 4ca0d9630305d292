import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

const FLUSH_CHARS = 1 << 20;

/**
 * A text file written line by line through a ~1 MB string buffer, so even scale-10
 * files stream to disk in chunks. It is written under a hidden partial name and only
 * renamed into place by commit(), so a landing-zone glob never sees half a file.
 */
export class LineFile {
  /** Physical lines written so far (= 1-based number of the last line). */
  lines = 0;
  private buffer = '';

  private constructor(
    readonly name: string,
    private readonly dir: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(dir: string, name: string): Promise<LineFile> {
    return new LineFile(name, dir, await open(join(dir, partialName(name)), 'w'));
  }

  write(line: string): void {
    this.buffer += `${line}\n`;
    this.lines++;
  }

  get needsFlush(): boolean {
    return this.buffer.length >= FLUSH_CHARS;
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const chunk = this.buffer;
    this.buffer = '';
    await this.handle.write(chunk, null, 'utf8');
  }

  async close(): Promise<void> {
    await this.flush();
    await this.handle.close();
  }

  async commit(): Promise<void> {
    await rename(join(this.dir, partialName(this.name)), join(this.dir, this.name));
  }

  async discard(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(join(this.dir, partialName(this.name)), { force: true });
  }
}

function partialName(name: string): string {
  return `.${name}.partial`;
}
