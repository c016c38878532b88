/**
 * What the comparison needs besides imgflow, installed on first use: IPX from npm into a
 * scratch directory (with its own sharp, as a user gets it), and Debian's wrk and nginx.
 * Nothing here is a dependency of imgflow; a failure is returned, not thrown, so the peers
 * that did install still run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

export type Installed = { ok: true; version: string } | { ok: false; reason: string };

const run = (cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  execFileSync(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

const why = (err: unknown) => {
  const e = err as { stderr?: string; message: string };
  return (e.stderr?.trim().split('\n').slice(-3).join(' / ') || e.message).slice(0, 400);
};

/** `npm install ipx@3` in `dir` unless it is there; the version that is there. */
export function ensureIpx(dir: string): Installed {
  const pkg = `${dir}/node_modules/ipx/package.json`;
  try {
    if (!existsSync(pkg)) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${dir}/package.json`, '{ "private": true, "description": "bench/compare scratch install of IPX" }\n');
      console.error(`bench:compare: npm install ipx@3 in ${dir} ...`);
      run('npm', ['install', '--no-audit', '--no-fund', 'ipx@3'], { cwd: dir });
    }
    const sharp = JSON.parse(readFileSync(`${dir}/node_modules/sharp/package.json`, 'utf8')).version;
    return { ok: true, version: `${JSON.parse(readFileSync(pkg, 'utf8')).version} (its own sharp ${sharp})` };
  } catch (err) {
    return { ok: false, reason: `npm install ipx failed: ${why(err)}` };
  }
}

const onPath = (bin: string) => {
  try {
    return run('sh', ['-c', `command -v ${bin}`]).trim() || undefined;
  } catch {
    return undefined;
  }
};

/**
 * `apt-get install -y <pkg>` for each binary not on PATH. A package's post-install would start
 * nginx as a system service on port 80; policy-rc.d (made here only if the machine has none)
 * stops that, as Docker images do.
 */
export function ensureApt(bins: Record<string, string>): Record<string, Installed> {
  const out: Record<string, Installed> = {};
  const missing = Object.entries(bins).filter(([bin]) => !onPath(bin));
  if (missing.length) {
    const policy = '/usr/sbin/policy-rc.d';
    const madePolicy = !existsSync(policy);
    try {
      if (madePolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      const pkgs = missing.map(([, pkg]) => pkg);
      console.error(`bench:compare: apt-get install -y ${pkgs.join(' ')} ...`);
      try {
        run('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], { env });
      } catch {
        run('apt-get', ['update'], { env }); // a fresh machine has no package lists yet
        run('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], { env });
      }
    } catch (err) {
      for (const [bin] of missing) out[bin] = { ok: false, reason: `apt-get install failed: ${why(err)}` };
    } finally {
      if (madePolicy) rmSync(policy, { force: true });
    }
  }
  for (const bin of Object.keys(bins)) {
    if (out[bin]) continue;
    if (!onPath(bin)) {
      out[bin] = { ok: false, reason: `${bin} not found after apt-get install` };
      continue;
    }
    const version = (() => {
      try {
        // nginx prints its version on stderr; wrk prints it in the first line of its usage
        return run('sh', ['-c', `${bin} -v 2>&1 | head -1`]).trim();
      } catch (err) {
        return (err as { stdout?: string }).stdout?.trim().split('\n')[0] ?? '?';
      }
    })();
    out[bin] = { ok: true, version };
  }
  return out;
}
