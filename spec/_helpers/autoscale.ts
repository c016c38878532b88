import { expect } from 'chai';
import { AutoscaleConfigError, parseAutoscaleConfig } from '../../server/autoscale/config.ts';

/** The problems autoscale.yaml text is refused with; none when it is accepted. */
export function autoscaleProblems(yaml: string): string[] {
  try {
    parseAutoscaleConfig(yaml);
  } catch (err) {
    expect(err).to.be.instanceOf(AutoscaleConfigError);
    return (err as AutoscaleConfigError).problems;
  }
  return [];
}
