/** What turns a decision into workers: local processes, a Heroku formation, or a gauge Kubernetes acts on. */
import type { ActuatorKind, RoleConfig } from '../config.ts';

export interface Actuator {
  readonly kind: ActuatorKind;
  /**
   * True when current() reports what scale() set (processes, a formation): a difference is then
   * corrected at the next poll. False when it only reflects it later (the gauge's consumers).
   */
  readonly converges: boolean;
  /** Sets the number of workers of a role (the actuator may take time to get there). */
  scale(role: RoleConfig, workers: number): Promise<void>;
  /**
   * Called by the loop once per poll, before any role's current(): an actuator that can read
   * every role's workers in one API call (Fly's machine listing) does it here rather than once
   * per role. Rejecting fails the whole poll.
   */
  refresh?(roles: RoleConfig[]): Promise<void>;
  /** Workers of the role as the actuator knows them now; undefined when it cannot tell. */
  current(role: RoleConfig): Promise<number | undefined>;
  /** Extra health fields (processes, last API error...). */
  describe(): Record<string, unknown>;
  close(): Promise<void>;
}
