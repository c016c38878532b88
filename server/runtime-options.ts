/**
 * The configured limits as the runtime and the FBP protocol take them, in one place, so the
 * server, the standalone runtime (`imgflow runtime`) and the specs cannot wire them differently:
 * a Flowhub client gets exactly the graph and input limits HTTP clients get.
 */
import type { RuntimeOptions } from '../runtime/index.ts';
import type { InputCheck } from '../ui-protocol/index.ts';
import type { Config } from './config.ts';
import { checkImage } from './input/check-image.ts';
import { fetchWithConfig } from './source.ts';

/** createRuntime's limits from config (the graph directory and error reporting are the caller's). */
export function runtimeLimitsFrom(config: Config): Omit<RuntimeOptions, 'graphsDir' | 'watch' | 'onStoreError'> {
  return {
    concurrency: config.concurrency,
    maxQueue: config.maxQueue,
    fetchAhead: config.fetchAhead ?? config.concurrency,
    maxNodes: config.maxNodes,
    maxGraphBytes: config.maxGraphBytes,
    saveDelayMs: config.graphSaveDelayMs,
    computeCancelWaitMs: config.computeCancelWaitMs,
  };
}

/** Format sniffing and IMGFLOW_MAX_INPUT_PIXELS from the header, as loadSource applies to HTTP inputs. */
export function inputCheckFrom(config: Config): InputCheck {
  return { check: (bytes) => checkImage(bytes, { maxPixels: config.maxInputPixels }), maxPixels: config.maxInputPixels };
}

/** What attachProtocol / startStandaloneRuntime take from config. */
export function protocolLimitsFrom(config: Config) {
  return {
    inputCheck: inputCheckFrom(config),
    // Sample URLs go through the same SSRF-safe, capped fetcher as requests.
    fetchInput: (url: string, signal: AbortSignal) => fetchWithConfig(config, url, signal, 'imgflow-runtime'),
    maxPayloadBytes: config.runtimeMaxMessageBytes,
    maxPendingMessages: config.runtimeMaxPendingMessages,
    previewMemoryBytes: config.runtimePreviewMemoryBytes,
  };
}
