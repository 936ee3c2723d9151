import pino from 'pino';
import { Runtime, makeTelemetryFilterString, type LogLevel, type LogMetadata, type Logger } from '@temporalio/worker';

/**
 * The service's one logger (pino, JSON lines on stdout), also receiving the Temporal SDK's and
 * the workflows' logs. Redaction is a second line of defence: nothing logs secrets on purpose.
 */
export function createLogger(level: string) {
  return pino({
    level,
    base: { service: 'wa-outlook-sync' },
    redact: { paths: ['*.clientSecret', '*.secret', '*.accessToken', '*.token', '*.guest', '*.authorization'], censor: '[redacted]' },
  });
}

class TemporalToPino implements Logger {
  constructor(private readonly target: pino.Logger) {}
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const method = level.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
    this.target[method](meta ?? {}, message);
  }
  trace(message: string, meta?: LogMetadata) { this.log('TRACE', message, meta); }
  debug(message: string, meta?: LogMetadata) { this.log('DEBUG', message, meta); }
  info(message: string, meta?: LogMetadata) { this.log('INFO', message, meta); }
  warn(message: string, meta?: LogMetadata) { this.log('WARN', message, meta); }
  error(message: string, meta?: LogMetadata) { this.log('ERROR', message, meta); }
}

/** Routes the Temporal runtime's logs to pino; must run before any worker or connection exists. */
export function installTemporalLogging(logger: pino.Logger): void {
  Runtime.install({
    logger: new TemporalToPino(logger),
    telemetryOptions: { logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN' }) } },
  });
}
