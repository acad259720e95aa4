// Starts BenchUpstream in a child process and talks to it over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { UpstreamInfo, UpstreamOptions } from './upstream.ts';

export class RemoteUpstream {
  private child: ChildProcess;
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor() {
    this.child = fork(fileURLToPath(new URL('./upstream-process.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new Error(`upstream: ${m.error}`));
      else p.resolve(m.result);
    });
    this.child.on('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`upstream process exited (${code})`));
      this.pending.clear();
    });
  }

  static async start(options: UpstreamOptions): Promise<{ upstream: RemoteUpstream; info: UpstreamInfo }> {
    const upstream = new RemoteUpstream();
    const info = (await upstream.call('start', options)) as UpstreamInfo;
    return { upstream, info };
  }

  private call(op: string, args?: unknown): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, op, args });
    });
  }

  change(feeds: number[]): Promise<UpstreamInfo> {
    return this.call('change', feeds) as Promise<UpstreamInfo>;
  }
  info(): Promise<UpstreamInfo> {
    return this.call('info') as Promise<UpstreamInfo>;
  }
  warm(feeds: number[]): Promise<void> {
    return this.call('warm', feeds) as Promise<void>;
  }
  async body(feed: number): Promise<Buffer> {
    return Buffer.from((await this.call('body', feed)) as string, 'base64');
  }
  counts(): Promise<{ ok: number; notModified: number; other: number }> {
    return this.call('counts') as Promise<{ ok: number; notModified: number; other: number }>;
  }
  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    await this.call('close').catch(() => undefined);
    await exited;
  }
}
