import { readFileSync } from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import type { ServiceConfig } from '../config';
import { dataConverterFor, PAYLOAD_ENCRYPTION_OFF } from './encryption';
import { clientInterceptors } from './retries';

type TemporalConfig = ServiceConfig['temporal'];

function connectionOptions(config: TemporalConfig, address: string): ConnectionOptions & NativeConnectionOptions {
  const clientCert = config.tlsCertFile && config.tlsKeyFile
    ? { crt: readFileSync(config.tlsCertFile), key: readFileSync(config.tlsKeyFile) }
    : undefined;
  return {
    address,
    tls: config.tls ? { clientCertPair: clientCert } : false,
    apiKey: config.apiKey,
  };
}

export async function connectClient(config: TemporalConfig, address: string): Promise<Client> {
  try {
    const connection = await Connection.connect({ ...connectionOptions(config, address), connectTimeout: 5000, interceptors: clientInterceptors() });
    return new Client({ connection, namespace: config.namespace, dataConverter: dataConverterFor(config.payloadKeys) });
  } catch (err) {
    throw new Error(`Cannot reach the Temporal server at ${address} (${(err as Error).message}). Is the worker (npm start) or your Temporal server running? Check TEMPORAL_ADDRESS.`, { cause: err });
  }
}

export function connectWorker(config: TemporalConfig, address: string): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(config, address));
}

/** Connects a client to the configured server (or the embedded one's address), runs `fn`, and closes it. */
export async function withTemporalClient<T>(config: ServiceConfig, fn: (client: Client, taskQueue: string) => Promise<T>): Promise<T> {
  const address = config.temporal.address ?? `127.0.0.1:${config.temporal.devPort}`;
  if (!config.temporal.payloadKeys.current) console.error(`warning: ${PAYLOAD_ENCRYPTION_OFF}`);
  const client = await connectClient(config.temporal, address);
  try {
    return await fn(client, config.temporal.taskQueue);
  } finally {
    await client.connection.close();
  }
}
