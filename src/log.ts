// A small structured logger. Entries get one from the runtime; tests pass a silent or capturing one.
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export type LogLevel = 'info' | 'warn' | 'error';

function format(level: LogLevel, message: string, fields?: LogFields): string {
  const extra = fields && Object.keys(fields).length > 0 ? ' ' + JSON.stringify(fields) : '';
  return `${new Date().toISOString()} ${level.toUpperCase()} ${message}${extra}`;
}

export function createLogger(write: (level: LogLevel, line: string) => void): Logger {
  return {
    info: (m, f) => write('info', format('info', m, f)),
    warn: (m, f) => write('warn', format('warn', m, f)),
    error: (m, f) => write('error', format('error', m, f)),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
