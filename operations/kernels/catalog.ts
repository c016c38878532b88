import type { AliasDef, OperationDef } from '../define.ts';

/** Operations implemented as gpu.js kernels, and their GEGL/imgflo aliases (filled by operations/kernels). */
export const kernelOperations: OperationDef[] = [];
export const kernelAliases: AliasDef[] = [];
