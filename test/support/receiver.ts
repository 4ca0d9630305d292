import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/** A real HTTP endpoint on loopback that records the JSON documents POSTed to it. */
export class Receiver {
  readonly bodies: unknown[] = [];
  /** Requests answered with 500 before the receiver starts accepting. */
  failFirst = 0;
  requests = 0;
  private server: Server | null = null;
  url = '';

  async start(path = '/hook'): Promise<void> {
    this.server = createServer((request: IncomingMessage, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.requests++;
        if (this.requests <= this.failFirst) {
          response.writeHead(500).end('not now');
          return;
        }
        this.bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}${path}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }
}
