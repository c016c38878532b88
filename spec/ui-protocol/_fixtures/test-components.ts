/** fbp-test's test collection (Repeat, Drop, Output) as packet components: spec-only, never shipped. */
import type { PacketComponent } from '../../../ui-protocol/index.ts';

export const TEST_COLLECTION = 'tests';

export const testComponents: PacketComponent[] = [
  {
    name: `${TEST_COLLECTION}/Repeat`,
    description: 'Forwards every packet from in to out',
    icon: 'forward',
    inPorts: [{ id: 'in', type: 'all', description: 'Packets to forward' }],
    outPorts: [{ id: 'out', type: 'all', description: 'The same packets' }],
    process: (_port, data, ctx) => ctx.send('out', data),
  },
  {
    name: `${TEST_COLLECTION}/Drop`,
    description: 'Drops every packet',
    icon: 'trash-o',
    inPorts: [{ id: 'in', type: 'all', description: 'Packets to drop' }],
    outPorts: [],
    process: () => {},
  },
  {
    name: `${TEST_COLLECTION}/Output`,
    description: 'Shows every packet in the console and forwards it',
    icon: 'bug',
    inPorts: [{ id: 'in', type: 'all', description: 'Packets to show' }],
    outPorts: [{ id: 'out', type: 'all', description: 'The same packets' }],
    process: (_port, data, ctx) => {
      ctx.output(typeof data === 'string' ? data : JSON.stringify(data));
      ctx.send('out', data);
    },
  },
];

/** A logger that keeps warnings and errors, so specs can assert nothing went wrong. */
export function recordingLogger() {
  const problems: { level: string; obj: object; msg?: string }[] = [];
  const keep = (level: string) => (obj: object, msg?: string) => void problems.push({ level, obj, msg });
  return { problems, logger: { debug() {}, info() {}, warn: keep('warn'), error: keep('error') } };
}
