// Loaded with --import: onnxruntime-node cannot be found, as in an install without optional
// dependencies. Compute threads inherit the flag, so DeepDream's cpu engine must fall back there.
import { register } from 'node:module';

const hook = `export async function resolve(specifier, context, next) {
  if (specifier === 'onnxruntime-node' || specifier.startsWith('onnxruntime-node/')) {
    throw Object.assign(new Error("Cannot find package 'onnxruntime-node' (hidden by spec/deepdream/without-onnx.mjs)"), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
