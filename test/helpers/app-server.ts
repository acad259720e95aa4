// Serves createApp over real HTTP on 127.0.0.1 (in-process), as the Node entry does.
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp, type AppDeps } from '../../src/app.ts';

export interface AppServer {
  url: string;
  close(): Promise<void>;
}

export async function serveApp(deps: AppDeps): Promise<AppServer> {
  const app = createApp(deps);
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
