/**
 * Source-host allowlist (IMGFLOW_ALLOWED_SOURCE_HOSTS): which host names a source URL, and
 * every redirect hop, may name. Patterns are `images.example.com` (that host only) or
 * `*.example.com` (any host below example.com, at any depth, but not example.com itself).
 * Matching is on the host alone, so any port is allowed; patterns are normalised the way URLs
 * are (lower case, IDN to punycode, a trailing dot dropped, IPv6 without brackets), so a
 * pattern matches exactly the hosts a URL spelling of it would reach.
 */
import { isIP } from 'node:net';

/** Why a list is refused, one problem per bad pattern; empty when the list is valid. */
export function allowlistProblems(text: string): string[] {
  return splitPatterns(text).flatMap((p) => {
    const reason = patternProblem(p);
    return reason ? [`${JSON.stringify(p)}: ${reason}`] : [];
  });
}

/**
 * The normalised patterns of a comma-separated list; undefined for an unset or blank list
 * (no allowlist: any host). Throws on a pattern allowlistProblems refuses.
 */
export function parseAllowlist(text: string | undefined): readonly string[] | undefined {
  if (text === undefined) return undefined;
  const patterns = splitPatterns(text);
  if (patterns.length === 0) return undefined;
  return Object.freeze(patterns.map((p) => {
    const reason = patternProblem(p);
    if (reason) throw new RangeError(`source host pattern ${JSON.stringify(p)}: ${reason}`);
    return normalisePattern(p);
  }));
}

/** Whether `hostname` (as URL.hostname gives it) matches one of the normalised patterns. */
export function hostAllowed(hostname: string, patterns: readonly string[]): boolean {
  const host = bare(hostname.toLowerCase().replace(/\.$/, ''));
  return patterns.some((p) => (p.startsWith('*.') ? host.endsWith(p.slice(1)) && host.length > p.length - 1 : host === p));
}

function splitPatterns(text: string): string[] {
  return text.split(',').map((p) => p.trim()).filter((p) => p !== '');
}

function bare(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** The host a URL would hold for `host`, or undefined when `host` is more than a host. */
function urlHost(host: string): string | undefined {
  if (/[/?#@\\\s]/.test(host)) return undefined;
  // An unbracketed colon is either an IPv6 literal or a port; ports are not part of a pattern.
  if (host.startsWith('[') ? !host.endsWith(']') : host.includes(':') && isIP(host) !== 6) return undefined;
  try {
    const url = new URL(`http://${isIP(host) === 6 ? `[${host}]` : host}/`);
    return bare(url.hostname.replace(/\.$/, ''));
  } catch {
    return undefined;
  }
}

function patternProblem(pattern: string): string | undefined {
  const wildcard = pattern.startsWith('*.');
  const rest = wildcard ? pattern.slice(2) : pattern;
  if (rest.includes('*')) return 'a wildcard is only allowed as the first label (*.example.com)';
  const host = urlHost(rest);
  if (host === undefined || host === '') return 'expected a host name only (no scheme, port, path or credentials)';
  if (wildcard && isIP(host) !== 0) return 'a wildcard needs a domain name, not an IP address';
  return undefined;
}

function normalisePattern(pattern: string): string {
  const wildcard = pattern.startsWith('*.');
  const host = urlHost(wildcard ? pattern.slice(2) : pattern)!;
  return wildcard ? `*.${host}` : host;
}
