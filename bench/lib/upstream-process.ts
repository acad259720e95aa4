// Child-process wrapper of BenchUpstream, driven over IPC by bench/lib/remote-upstream.ts.
import { BenchUpstream, type UpstreamOptions } from './upstream.ts';

let upstream: BenchUpstream | null = null;

process.on('message', async (message: { id: number; op: string; args?: unknown }) => {
  try {
    let result: unknown = null;
    switch (message.op) {
      case 'start':
        upstream = new BenchUpstream(message.args as UpstreamOptions);
        result = await upstream.start();
        break;
      case 'info':
        result = upstream!.info();
        break;
      case 'change':
        upstream!.change(message.args as number[]);
        result = upstream!.info();
        break;
      case 'warm':
        upstream!.warm(message.args as number[]);
        break;
      case 'body':
        result = upstream!.body(message.args as number).toString('base64');
        break;
      case 'counts':
        result = { ...upstream!.counts };
        upstream!.resetCounts();
        break;
      case 'close':
        await upstream?.close();
        process.send!({ id: message.id, result: null }, () => process.exit(0));
        return;
      default:
        throw new Error(`unknown op ${message.op}`);
    }
    process.send!({ id: message.id, result });
  } catch (error) {
    process.send!({ id: message.id, error: String((error as Error)?.stack ?? error) });
  }
});
process.on('disconnect', () => process.exit(0));
