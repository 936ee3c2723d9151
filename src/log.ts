import pino from 'pino';
import pretty from 'pino-pretty';
import { Runtime, makeTelemetryFilterString, type LogLevel, type LogMetadata, type Logger } from '@temporalio/worker';

/**
 * The service's one logger (pino), also receiving the Temporal SDK's and the workflows' logs:
 * readable coloured lines when stdout is a terminal (pino-pretty), JSON lines otherwise (log
 * collectors, containers, files). Redaction is a second line of defence: nothing logs secrets on purpose.
 */
export function createLogger(level: string, options: { pretty?: boolean; destination?: pino.DestinationStream } = {}) {
  const settings: pino.LoggerOptions = {
    level,
    base: { service: 'wa-outlook-sync', pid: process.pid },
    redact: { paths: ['*.clientSecret', '*.secret', '*.accessToken', '*.token', '*.guest', '*.authorization'], censor: '[redacted]' },
    // The SDK logs failures under `error` (e.g. "Activity failed"): as plain JSON an Error loses its message.
    serializers: { error: serializeError, err: serializeError },
  };
  if (!(options.pretty ?? process.stdout.isTTY)) return options.destination ? pino(settings, options.destination) : pino(settings);
  // In-process and synchronous, so the last lines before an exit are not lost.
  return pino(settings, pretty({ sync: true, ignore: 'service,hostname', translateTime: 'SYS:HH:MM:ss.l' }));
}

/** An Error with its message, stack and cause; a Temporal failure's `type` (our error code) as `code`. */
function serializeError(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const code = (value as { type?: unknown }).type;
  return { ...pino.stdSerializers.err(value), ...(typeof code === 'string' && { code }) };
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

/**
 * Routes the Temporal runtime's logs to pino and, given an address, serves the SDK's own metrics
 * (workers, pollers, task latencies) in Prometheus format there; must run before any worker or
 * connection exists.
 */
export function installTemporalLogging(logger: pino.Logger, options: { sdkMetricsAddress?: string } = {}): void {
  Runtime.install({
    logger: new TemporalToPino(logger),
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN' }) },
      ...(options.sdkMetricsAddress && { metrics: { prometheus: { bindAddress: options.sdkMetricsAddress } } }),
    },
  });
}

/** The workflow bundler reports webpack's whole output at info: keep it for LOG_LEVEL=debug. */
class BundlerToPino extends TemporalToPino {
  override log(level: LogLevel, message: string, meta?: LogMetadata): void {
    super.log(level === 'INFO' ? 'DEBUG' : level, message, meta);
  }
}

export const bundlerLogger = (logger: pino.Logger): Logger => new BundlerToPino(logger);
