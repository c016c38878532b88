/** RFC 7240 Prefer: the two preferences jobs honour, respond-async and wait=<seconds>. */
export interface Preferences {
  respondAsync: boolean;
  /** Seconds the client is willing to wait; undefined when not stated (or not a number). */
  wait?: number;
}

export function parsePrefer(header: string | string[] | undefined): Preferences {
  const out: Preferences = { respondAsync: false };
  const text = Array.isArray(header) ? header.join(',') : header ?? '';
  for (const item of text.split(',')) {
    const [pref] = item.split(';');
    const eq = pref.indexOf('=');
    const name = (eq < 0 ? pref : pref.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : pref.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    if (name === 'respond-async') out.respondAsync = true;
    // Unknown or malformed preferences are ignored (RFC 7240 section 2).
    else if (name === 'wait' && /^\d{1,6}$/.test(value) && out.wait === undefined) out.wait = Number(value);
  }
  return out;
}
