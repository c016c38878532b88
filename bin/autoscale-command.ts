/** `imgflow autoscale --config autoscale.yaml`: sizes the worker pools (README "Autoscaling"). */
import { parseArgs } from 'node:util';

export async function autoscaleCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c', default: 'autoscale.yaml' } } });
  const { runAutoscale } = await import('../server/autoscale/main.ts');
  await runAutoscale(values.config!);
}
