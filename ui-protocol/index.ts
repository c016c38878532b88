/** ui-protocol/: the FBP runtime protocol over WebSocket, so Flowhub edits and previews graphs live. */
export { attachProtocol } from './ws-transport.ts';
export type { AttachedProtocol, AttachOptions } from './ws-transport.ts';
export { startStandaloneRuntime } from './standalone.ts';
export type { StandaloneOptions, StandaloneRuntime } from './standalone.ts';
export { flowhubLinkWarning, flowhubLiveUrl, needsPlainHttpIde, runtimeIdFrom } from './flowhub.ts';
export type { LiveUrlOptions } from './flowhub.ts';
export { createProtocolRuntime } from './protocol-runtime.ts';
export type { ProtocolConnection, ProtocolRuntime } from './protocol-runtime.ts';
export { loadMessageValidator } from './validate.ts';
export type { MessageValidator } from './validate.ts';
export { ALL_CAPABILITIES, FULL_CAPABILITIES, READ_CAPABILITIES } from './capabilities.ts';
export { PROTOCOL_VERSION, RUNTIME_TYPE } from './protocol/runtime.ts';
export type { Capability, FetchInput, InputCheck, Logger, PacketComponent, PacketContext, PortDefinition, ProtocolOptions } from './types.ts';
