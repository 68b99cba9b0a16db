import net from 'node:net';
import { Config, ConfigError } from './config';

/**
 * Binds and releases the configured port, so that a port in use (or a HOST that is not this machine's) is named before
 * minutes of migrations, not after.
 */
export async function checkPort(config: Pick<Config, 'port' | 'host'>, variable = 'PORT'): Promise<void> {
  if (config.port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      const why: Record<string, string> = {
        EADDRINUSE: `${variable} ${config.port} on ${config.host} is in use by another process`,
        EACCES: `${variable} ${config.port} needs privileges this user does not have (use a port above 1023)`,
        EADDRNOTAVAIL: `HOST ${config.host} is not an address of this machine`,
        ENOTFOUND: `HOST ${config.host} is not known`,
        EAI_AGAIN: `HOST ${config.host} is not known`,
      };
      reject(new ConfigError(why[err.code ?? ''] ?? `cannot listen on ${config.host}:${config.port}: ${err.code ?? err.message}`));
    });
    probe.listen({ port: config.port, host: config.host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** The address to open for a server listening on `host`: the host itself, or this machine when it listens on every interface. */
export function shownHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
}
