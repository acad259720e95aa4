// Runs the project's wrangler (node_modules/.bin) offline: no account, no telemetry, no update
// check, no cf.json download. Everything it may reach is on 127.0.0.1.
import { spawn, type ChildProcess } from 'node:child_process';

const WRANGLER = 'node_modules/.bin/wrangler';

/** The environment wrangler runs with: this process's, minus anything naming an account. */
export function offlineEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || /^(CLOUDFLARE_|CF_|WRANGLER_)/.test(name) || name === 'FEEDS_DIR') continue;
    env[name] = value;
  }
  return {
    ...env,
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_SEND_ERROR_REPORTS: 'false',
    // The banner is where wrangler asks the npm registry for a newer version.
    WRANGLER_HIDE_BANNER: 'true',
    // Miniflare would download request.cf data from workers.cloudflare.com.
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    // Any update check that still happens goes to a closed local port.
    npm_config_registry: 'http://127.0.0.1:9/',
    NO_COLOR: '1',
    ...extra,
  };
}

export interface Finished {
  code: number | null;
  output: string;
}

export function runWrangler(args: string[], env: Record<string, string> = offlineEnv(), timeoutMs = 120_000): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(WRANGLER, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`wrangler ${args.join(' ')} did not finish in ${timeoutMs} ms\n${output}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

export interface DevServer {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `wrangler dev` in its own process group and waits until /healthz answers. */
export async function startWranglerDev(args: string[], env: Record<string, string>, url: string, timeoutMs = 90_000): Promise<DevServer> {
  const child: ChildProcess = spawn(WRANGLER, ['dev', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // wrangler starts workerd as a child: end the whole group, only ours.
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 10_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer /healthz in ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, output: () => output, stop };
}
