/** imgflow/rig: signed imgflow URLs, CSS media queries, srcset and <picture> for responsive images. */
export {
  buildImgfloUrl,
  buildSignedUrl,
  buildUnsignedUrl,
  canonicalForm,
  canonicalQuery,
  imgfloToken,
  parseSignedPath,
  signRequest,
  verifySignature,
} from './sign.ts';
export type { ImgfloConfig, ParamValue, Params, SignedPath, SignedRequest, SignedUrlOptions, UnsignedUrlOptions } from './sign.ts';
export { breakpoints, generate } from './css.ts';
export { srcset } from './srcset.ts';
export { picture } from './picture.ts';
export type {
  Block,
  BreakpointsOptions,
  Cover,
  GenerateOptions,
  MediaItem,
  PictureFormat,
  PictureOptions,
  RigConfig,
  RigOptions,
  SrcsetOptions,
  SrcsetResult,
} from './types.ts';
export { buildSignedUploadDeleteUrl, buildSignedUploadUrl, uploadCanonicalForm, uploadPicture } from './uploads.ts';
export type { UploadManifest, UploadMethod, UploadPictureOptions, UploadUrlOptions, UploadVariant } from './uploads.ts';
