/** What every property asserts of an answer: coded and bounded. */
import { expect } from 'chai';

/** A 2xx/3xx, or a 4xx whose JSON body carries an imgflow code (or fastify's, mapped by server/errors-plugin.ts). */
export function expectCoded(status: number, body: string, what: string): void {
  expect(status, `${what} -> ${status} ${body.slice(0, 300)}`).to.be.below(500);
  if (status < 400) return;
  let code: unknown;
  try {
    code = (JSON.parse(body) as { code?: unknown }).code;
  } catch {
    code = undefined;
  }
  expect(code, `${what} -> ${status} ${body.slice(0, 300)}`).to.be.a('string').and.match(/^(IMGFLOW_ERR_|FST_)/);
}

/** `run()`, or a failure naming `what` when it takes longer than `ms` (a hang, not a slow test). */
export async function within<T>(ms: number, what: string, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([run(), hang]);
  } finally {
    clearTimeout(timer);
  }
}
