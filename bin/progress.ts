/** A one-line progress bar on a TTY; plain lines every 10% otherwise (logs, CI). */
import type { WriteStream } from 'node:tty';

export interface ProgressBar {
  update(fraction: number, detail?: Record<string, unknown>): void;
  done(): void;
}

function formatSeconds(s: number): string {
  const r = Math.max(0, Math.round(s));
  return r < 60 ? `${r}s` : `${Math.floor(r / 60)}m${String(r % 60).padStart(2, '0')}s`;
}

/** What a progress detail says, e.g. "octave 2, iteration 3, ETA 14s". */
export function describe(detail: Record<string, unknown> = {}): string {
  const parts: string[] = [];
  if (detail.octave !== undefined) parts.push(`octave ${detail.octave}`);
  if (detail.iteration !== undefined) parts.push(`iteration ${detail.iteration}`);
  if (detail.stage !== undefined) parts.push(`stage ${detail.stage}/${detail.stages}`);
  if (typeof detail.eta === 'number' && Number.isFinite(detail.eta)) parts.push(`ETA ${formatSeconds(detail.eta)}`);
  return parts.join(', ');
}

/**
 * Time left if the rest goes at the pace so far: empty until there is a pace to go by (1% done
 * and a tenth of a second spent) and once finished. Operations that know better (a dream's
 * `eta` detail) say so themselves, and that is shown instead.
 */
export function eta(elapsedMs: number, fraction: number): string {
  if (fraction < 0.01 || fraction >= 1 || elapsedMs < 100) return '';
  return `ETA ${formatSeconds((elapsedMs * (1 - fraction)) / fraction / 1000)}`;
}

export function createProgressBar(stream: NodeJS.WriteStream, label: string, clock: () => number = Date.now): ProgressBar {
  const tty = (stream as WriteStream).isTTY === true;
  const started = clock();
  let lastDecile = -1;
  let drawn = false;
  return {
    update(fraction, detail) {
      const f = Math.max(0, Math.min(1, fraction));
      const elapsed = clock() - started;
      const seconds = (elapsed / 1000).toFixed(1);
      const paced = typeof detail?.eta === 'number' ? '' : eta(elapsed, f);
      const tail = ['', paced, describe(detail)].filter((x, i) => i === 0 || x).join(' ');
      if (tty) {
        const width = 30, filled = Math.round(f * width);
        stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}% ${seconds}s${tail}\x1b[K`);
        drawn = true;
      } else if (Math.floor(f * 10) > lastDecile) {
        lastDecile = Math.floor(f * 10);
        stream.write(`${label}: ${(f * 100).toFixed(0)}% after ${seconds}s${tail}\n`);
      }
    },
    done() {
      if (tty && drawn) stream.write('\n');
    },
  };
}
