/**
 * Applications: who may request images. Loaded from the apps file (IMGFLOW_APPS_FILE) and env
 * (IMGFLOW_KEY/SECRET, IMGFLOW_ADMIN_KEY/SECRET); held in memory so the admin API can add or
 * disable apps at run time, and saved back to the apps file when there is one.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { errors } from '../../runtime/errors.ts';
import type { Config } from '../config.ts';

export interface App {
  /** Public key id, sent in URLs. */
  key: string;
  /** Secrets accepted for this key; more than one while rotating. Never sent to clients. */
  secrets: string[];
  enabled: boolean;
  /** May use the admin scope (and is never limited by quota). */
  admin: boolean;
  /**
   * Evaluations (cache misses) allowed per hour; 0 = cached results only (imgflo's
   * processing_quota 0); `null` = unlimited.
   */
  quota: number | null;
  /** Also accept imgflo-server's MD5 token (`md5(graph.ext + ?query + secret)`) for this key. */
  imgfloCompat: boolean;
  label?: string;
  /** Where the app is defined: env apps are never written to the apps file. */
  source: 'file' | 'env' | 'admin';
}

/** An app as the admin API shows it: no secrets, only how many there are. */
export type PublicApp = Omit<App, 'secrets'> & { secretCount: number };

export interface AppRegistry {
  /** True when no app is configured: unsigned requests are then served (open mode). */
  readonly open: boolean;
  get(key: string): App | undefined;
  list(): App[];
  add(input: unknown): Promise<App>;
  update(key: string, patch: unknown): Promise<App>;
  /** Counts one evaluation against the app's hourly quota; throws 403/429 when it has none left. */
  chargeEvaluation(app: App, now?: number): void;
}

const KEY = /^[A-Za-z0-9_.~-]{1,128}$/;
const MIN_SECRET_LENGTH = 8;
const HOUR_MS = 3_600_000;

export function publicApp(app: App): PublicApp {
  const { secrets, ...rest } = app;
  return { ...rest, secretCount: secrets.length };
}

/** Generates a key or secret: 24 random bytes, base64url. */
export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

function splitSecrets(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** Checks one app record (from the file or the admin API); throws IMGFLOW_ERR_APP_INVALID. */
export function parseApp(input: unknown, source: App['source'], defaults: Partial<App> = {}): App {
  const bad = (key: unknown, why: string) => errors.IMGFLOW_ERR_APP_INVALID({ key: typeof key === 'string' ? key : undefined, problem: why }, undefined, typeof key === 'string' ? JSON.stringify(key) : '(no key)', why);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw bad(undefined, 'expected an object');
  const o = input as Record<string, unknown>;
  const allowed = new Set(['key', 'secret', 'secrets', 'enabled', 'admin', 'quota', 'imgfloCompat', 'label']);
  for (const name of Object.keys(o)) if (!allowed.has(name)) throw bad(o.key, `unknown field ${JSON.stringify(name)}; fields: ${[...allowed].join(', ')}`);
  const key = o.key ?? defaults.key;
  if (typeof key !== 'string' || !KEY.test(key)) throw bad(key, 'key must be 1-128 of A-Z a-z 0-9 _ . ~ -');
  let secrets: string[];
  if (o.secrets !== undefined) {
    if (!Array.isArray(o.secrets) || !o.secrets.every((s) => typeof s === 'string')) throw bad(key, 'secrets must be a list of strings');
    secrets = o.secrets as string[];
  } else if (o.secret !== undefined) {
    if (typeof o.secret !== 'string') throw bad(key, 'secret must be a string');
    secrets = splitSecrets(o.secret);
  } else secrets = defaults.secrets ?? [];
  if (secrets.length === 0) throw bad(key, 'at least one secret is needed');
  if (secrets.some((s) => s.length < MIN_SECRET_LENGTH || s.includes(','))) throw bad(key, `secrets must be at least ${MIN_SECRET_LENGTH} characters, without commas`);
  const bool = (name: string, fallback: boolean) => {
    const v = o[name];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') throw bad(key, `${name} must be true or false`);
    return v;
  };
  let quota = o.quota === undefined ? (defaults.quota ?? null) : o.quota;
  if (quota !== null && !(Number.isSafeInteger(quota) && (quota as number) >= 0)) throw bad(key, 'quota must be a whole number >= 0, or null for unlimited');
  if (o.label !== undefined && typeof o.label !== 'string') throw bad(key, 'label must be a string');
  const app: App = {
    key,
    secrets: [...secrets],
    enabled: bool('enabled', defaults.enabled ?? true),
    admin: bool('admin', defaults.admin ?? false),
    quota: quota as number | null,
    imgfloCompat: bool('imgfloCompat', defaults.imgfloCompat ?? false),
    source,
  };
  const label = (o.label as string | undefined) ?? defaults.label;
  if (label !== undefined) app.label = label;
  return app;
}

/** Parses the apps file: `{"apps": [...]}` or a bare list. */
export function parseAppsFile(text: string, file: string): App[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw errors.IMGFLOW_ERR_CONFIG_INVALID({ file }, err, `${file} is not JSON: ${(err as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { apps?: unknown })?.apps;
  if (!Array.isArray(list)) throw errors.IMGFLOW_ERR_CONFIG_INVALID({ file }, undefined, `${file}: expected {"apps": [...]} or a list of apps`);
  const apps: App[] = [];
  const seen = new Set<string>();
  for (const item of list) {
    let app: App;
    try {
      app = parseApp(item, 'file');
    } catch (err) {
      throw errors.IMGFLOW_ERR_CONFIG_INVALID({ file }, err, `${file}: ${(err as Error).message}`);
    }
    if (seen.has(app.key)) throw errors.IMGFLOW_ERR_CONFIG_INVALID({ file }, undefined, `${file}: key ${app.key} appears twice`);
    seen.add(app.key);
    apps.push(app);
  }
  return apps;
}

function envApps(config: Config): App[] {
  const apps: App[] = [];
  if (config.appKey && config.appSecret) {
    apps.push(parseApp({ key: config.appKey, secrets: splitSecrets(config.appSecret) }, 'env'));
  }
  if (config.adminKey && config.adminSecret) {
    apps.push(parseApp({ key: config.adminKey, secrets: splitSecrets(config.adminSecret), admin: true }, 'env'));
  }
  return apps;
}

/** Loads every configured app. A missing apps file is an empty list (the admin API may create it). */
export async function createAppRegistry(config: Config): Promise<AppRegistry> {
  const apps = new Map<string, App>();
  const file = config.appsFile;
  if (file) {
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw errors.IMGFLOW_ERR_CONFIG_INVALID({ file }, err, `${file}: ${(err as Error).message}`);
    }
    if (text !== undefined) for (const app of parseAppsFile(text, file)) apps.set(app.key, app);
  }
  for (const app of envApps(config)) {
    if (apps.has(app.key)) throw errors.IMGFLOW_ERR_CONFIG_INVALID({ key: app.key }, undefined, `key ${app.key} is defined both in env and in ${file}`);
    apps.set(app.key, app);
  }
  // Open mode is decided once, at start: adding an app later must not silently close the
  // server to the unsigned URLs it was started to serve (restart to change modes).
  const open = apps.size === 0;
  const windows = new Map<string, { start: number; used: number }>();
  let saving: Promise<void> = Promise.resolve();

  /** Writes file and admin apps (never env ones) atomically: temp file, then rename. */
  function persist(): Promise<void> {
    if (!file) return Promise.resolve();
    const doc = { apps: [...apps.values()].sort((a, b) => a.key.localeCompare(b.key)).filter((a) => a.source !== 'env').map(({ source: _source, ...rest }) => rest) };
    const run = async () => {
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(tmp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
      await rename(tmp, file);
    };
    saving = saving.then(run, run);
    return saving;
  }

  return {
    open,
    get: (key) => apps.get(key),
    list: () => [...apps.values()].sort((a, b) => a.key.localeCompare(b.key)),
    async add(input) {
      const o = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
      const app = parseApp(input, 'admin', {
        key: o.key === undefined ? randomToken(12) : undefined,
        secrets: o.secret === undefined && o.secrets === undefined ? [randomToken()] : undefined,
      });
      if (apps.has(app.key)) throw errors.IMGFLOW_ERR_APP_EXISTS({ key: app.key }, undefined, app.key);
      apps.set(app.key, app);
      await persist();
      return app;
    },
    async update(key, patch) {
      const current = apps.get(key);
      if (!current) throw errors.IMGFLOW_ERR_APP_NOT_FOUND({ key }, undefined, key);
      if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw errors.IMGFLOW_ERR_APP_INVALID({ key }, undefined, key, 'expected an object');
      if ('key' in patch && (patch as { key: unknown }).key !== key) throw errors.IMGFLOW_ERR_APP_INVALID({ key }, undefined, key, 'the key of an app cannot change');
      const { source, ...rest } = current;
      const merged = parseApp({ ...rest, ...(('secret' in patch) ? { secrets: undefined } : {}), ...patch }, source);
      if (source === 'env' && JSON.stringify(merged.secrets) !== JSON.stringify(current.secrets)) {
        throw errors.IMGFLOW_ERR_APP_INVALID({ key }, undefined, key, 'secrets of an app defined by env are changed in env');
      }
      apps.set(key, merged);
      await persist();
      return merged;
    },
    chargeEvaluation(app, now = Date.now()) {
      if (app.admin || app.quota === null) return;
      if (app.quota === 0) throw errors.IMGFLOW_ERR_AUTH_NO_PROCESSING({ key: app.key }, undefined, app.key);
      let w = windows.get(app.key);
      if (!w || now - w.start >= HOUR_MS) {
        w = { start: now, used: 0 };
        windows.set(app.key, w);
      }
      if (w.used >= app.quota) {
        const retry = Math.ceil((w.start + HOUR_MS - now) / 1000);
        throw errors.IMGFLOW_ERR_QUOTA_EXCEEDED({ key: app.key, quota: app.quota, retryAfterSeconds: retry }, undefined, app.key, app.quota, retry);
      }
      w.used++;
    },
  };
}
