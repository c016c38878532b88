/**
 * Who may do what: secrets map to capability sets, and every input command needs one of the
 * capabilities listed for it (fbp-protocol's `_enumDescriptions`). Outputs are filtered the
 * same way, so a read-only client sees graph changes but never a control reply it could not ask for.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Capability } from './types.ts';

export const FULL_CAPABILITIES: readonly Capability[] = [
  'protocol:runtime', 'protocol:graph', 'protocol:component', 'component:getsource', 'component:setsource',
  'protocol:network', 'network:control', 'network:status', 'network:data', 'network:persist', 'protocol:trace',
];

export const READ_CAPABILITIES: readonly Capability[] = [
  'graph:readonly', 'protocol:component', 'component:getsource', 'network:status', 'network:data',
];

export const ALL_CAPABILITIES: readonly Capability[] = [...FULL_CAPABILITIES, 'graph:readonly'];

const NETWORK_CONTROL: Capability[] = ['protocol:network', 'network:control'];
const NETWORK_DATA: Capability[] = ['protocol:network', 'network:data'];

/** Capabilities of which a client needs one to send `protocol:command`; absent: always allowed. */
export function inputCapabilities(protocol: string, command: string): readonly Capability[] | undefined {
  switch (protocol) {
    case 'runtime':
      return command === 'getruntime' ? undefined : ['protocol:runtime'];
    case 'graph':
      return ['protocol:graph'];
    case 'component':
      if (command === 'getsource') return ['component:getsource'];
      if (command === 'source') return ['component:setsource'];
      return ['protocol:component'];
    case 'network':
      if (command === 'persist') return ['network:persist'];
      if (command === 'edges') return NETWORK_DATA;
      if (command === 'getstatus') return [...NETWORK_CONTROL, 'network:status'];
      return NETWORK_CONTROL;
    case 'trace':
      return ['protocol:trace'];
    default:
      return [];
  }
}

/** Capabilities of which a client needs one to receive an unsolicited `protocol:command`. */
export function outputCapabilities(protocol: string, command: string): readonly Capability[] {
  switch (protocol) {
    case 'runtime':
      return command === 'runtime' || command === 'error' ? [] : ['protocol:runtime'];
    case 'graph':
      return ['protocol:graph', 'graph:readonly'];
    case 'component':
      return ['protocol:component', 'component:getsource', 'component:setsource'];
    case 'network':
      if (['started', 'stopped', 'status'].includes(command)) return [...NETWORK_CONTROL, 'network:status'];
      return NETWORK_DATA;
    case 'trace':
      return ['protocol:trace'];
    default:
      return [];
  }
}

export function allows(granted: ReadonlySet<Capability>, needed: readonly Capability[] | undefined): boolean {
  return needed === undefined || needed.some((c) => granted.has(c));
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time comparison (hashing first makes lengths equal). */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export interface SecretConfig {
  secrets: { read?: string; full?: string };
  anonymous?: 'none' | 'read' | 'full';
}

export function capabilitiesFor(secret: string | undefined, config: SecretConfig): readonly Capability[] {
  const { full, read } = config.secrets;
  if (secret !== undefined && secret !== '') {
    if (full && sameSecret(secret, full)) return FULL_CAPABILITIES;
    if (read && sameSecret(secret, read)) return READ_CAPABILITIES;
  }
  if (config.anonymous === 'full') return FULL_CAPABILITIES;
  if (config.anonymous === 'read') return READ_CAPABILITIES;
  return [];
}
