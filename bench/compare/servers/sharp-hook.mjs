// Module hook for the "IPX on imgflow's sharp" peer: `import('sharp')` from anywhere resolves
// as if imported from imgflow's root, so IPX runs on the very sharp (and libvips) imgflow
// loads, and the difference that remains between them is the code around it.
let parentURL;
export function initialize(data) {
  parentURL = data.parentURL;
}
export function resolve(specifier, context, next) {
  if (specifier === 'sharp') return next(specifier, { ...context, parentURL });
  return next(specifier, context);
}
