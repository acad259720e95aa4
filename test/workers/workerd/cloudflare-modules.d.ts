// The parts of the workerd test modules these tests use, typed for the project's tsconfig (DOM +
// Node types). @cloudflare/workers-types and @cloudflare/vitest-pool-workers/types would conflict
// with the DOM library, so they are not loaded; at run time the pool provides the real modules.

declare module 'cloudflare:workers' {
  export const env: import('../../../src/entry/worker.ts').Env;
  export const exports: {
    default: { fetch(input: string | Request, init?: RequestInit): Promise<Response> };
  };
}

declare module 'cloudflare:test' {
  type ExecutionContext = import('../../../src/entry/worker.ts').ExecutionContext;
  type MessageBatch<Body> = import('../../../src/entry/worker.ts').MessageBatch<Body>;

  export function createExecutionContext(): ExecutionContext;
  export function waitOnExecutionContext(ctx: ExecutionContext): Promise<void>;
  export function createScheduledController(options?: { scheduledTime?: Date | number; cron?: string }): {
    readonly scheduledTime: number;
    readonly cron: string;
    noRetry(): void;
  };
  export function createMessageBatch<Body>(
    queueName: string,
    messages: { id: string; timestamp: Date; attempts: number; body: Body }[],
  ): MessageBatch<Body>;
  export function getQueueResult(
    batch: MessageBatch<unknown>,
    ctx: ExecutionContext,
  ): Promise<{
    outcome: string;
    ackAll: boolean;
    retryBatch: { retry: boolean };
    explicitAcks: string[];
    retryMessages: { msgId: string }[];
  }>;
}
