/**
 * Animated inputs. sharp decodes an animation as one tall image, frame under frame, and
 * writes it back as an animation to GIF and WebP; operations that handle such a stack say
 * so (`frames: true`). Every other plan sees the first frame only.
 */
import type { OutputFormat } from '../operations/define.ts';
import { SOURCE, type Plan, type Stage } from './compiler.ts';

/** Formats whose sharp encoders write every frame. */
export const ANIMATED_FORMATS: ReadonlySet<OutputFormat> = new Set(['gif', 'webp']);

/** Every operation the plan may run handles frames (what the catalogue tells users). */
export function operationsHandleFrames(plan: Plan): boolean {
  return [...plan.nodes.values()].every((n) => n.kind === 'encoder' || n.kind === 'passthrough' || n.component.op.frames === true);
}

/**
 * The frames survive this evaluation: the format holds them and the work is at most one sharp
 * pipeline that decodes the input itself, made only of operations that handle frames (raw
 * pixels between stages carry no frame height).
 */
export function keepsFrames(plan: Plan, stages: Stage[], format: OutputFormat): boolean {
  if (!ANIMATED_FORMATS.has(format)) return false;
  if (stages.length === 0) return true;
  const [stage] = stages;
  return stages.length === 1 && stage.kind === 'sharp' && stage.from === SOURCE && (plan.consumers.get(SOURCE) ?? 0) <= 1
    && stage.nodes.every((id) => plan.nodes.get(id)!.component.op.frames === true);
}
