/**
 * Settings that are each valid but dangerous together, reported loudly at start (they are not
 * refused: a trusted network or a firewall in front may make them fine). The rule reads the
 * configured bind address, not the socket, so the warning is logged before listen() and also
 * reaches an operator whose start then fails.
 */
import { isIP } from 'node:net';
import type { Config } from './config.ts';
import { parseAllowlist } from './input/host-allowlist.ts';

export interface StartupWarning {
  /** Stable name, for log searches and alerts. */
  code: 'OPEN_MODE_EXPOSED' | 'PRIVATE_SOURCES_EXPOSED' | 'OPEN_MODE_PRIVATE_SOURCES_EXPOSED';
  message: string;
  /** Settings that fix it (for the combined warning, each removes its worst part). */
  fixes: string[];
}

type WarningConfig = Pick<Config, 'host' | 'port' | 'allowPrivateSources' | 'allowUnsigned' | 'allowedSourceHosts'>;

/**
 * Whether `host` only accepts connections from this machine. A host name other than
 * `localhost` counts as reachable from outside: it is not resolved here, and it usually names
 * a public interface.
 */
export function isLoopbackBind(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^(0{0,4}:){5}ffff:127\./.test(h) || /^::ffff:127\./.test(h);
  return false;
}

const FIX_BIND = 'IMGFLOW_HOST=127.0.0.1 (listen on loopback only, e.g. behind a reverse proxy)';
const FIX_SIGN = 'IMGFLOW_KEY and IMGFLOW_SECRET, or IMGFLOW_APPS_FILE (require signed URLs), without IMGFLOW_ALLOW_UNSIGNED';
const FIX_PRIVATE = 'unset IMGFLOW_ALLOW_PRIVATE_SOURCES';
const FIX_HOSTS = 'IMGFLOW_ALLOWED_SOURCE_HOSTS=<the hosts your images live on>';

/**
 * The dangerous combinations in `config`. `open` is whether unsigned requests are served
 * because no application is configured (the app registry knows, not the config).
 */
export function startupWarnings(config: WarningConfig, state: { open: boolean }): StartupWarning[] {
  if (isLoopbackBind(config.host)) return [];
  const where = `IMGFLOW_HOST=${config.host} is not loopback`;
  const unsigned = state.open || config.allowUnsigned;
  const unsignedWhy = state.open ? 'open mode (no application configured)' : 'IMGFLOW_ALLOW_UNSIGNED=1';
  // An allowlist bounds what private-source fetching can reach to hosts the operator chose.
  const privateOpen = config.allowPrivateSources && parseAllowlist(config.allowedSourceHosts) === undefined;
  if (unsigned && privateOpen) {
    return [{
      code: 'OPEN_MODE_PRIVATE_SOURCES_EXPOSED',
      message: `UNSAFE CONFIGURATION: ${where}, with ${unsignedWhy} and IMGFLOW_ALLOW_PRIVATE_SOURCES=1: `
        + 'anyone who can reach this port can make the server fetch internal addresses (cloud metadata at 169.254.169.254, '
        + 'databases, admin pages on localhost) and read them back',
      fixes: [FIX_PRIVATE, FIX_BIND, FIX_SIGN, FIX_HOSTS],
    }];
  }
  const warnings: StartupWarning[] = [];
  if (unsigned) {
    warnings.push({
      code: 'OPEN_MODE_EXPOSED',
      message: `UNSAFE CONFIGURATION: ${where}, with ${unsignedWhy}: `
        + 'anyone who can reach this port can run any graph on any input, unsigned',
      fixes: [FIX_SIGN, FIX_BIND],
    });
  }
  if (privateOpen) {
    warnings.push({
      code: 'PRIVATE_SOURCES_EXPOSED',
      message: `UNSAFE CONFIGURATION: ${where}, with IMGFLOW_ALLOW_PRIVATE_SOURCES=1: `
        + 'every holder of an application key can make the server fetch internal addresses and read them back',
      fixes: [FIX_PRIVATE, FIX_HOSTS, FIX_BIND],
    });
  }
  return warnings;
}
