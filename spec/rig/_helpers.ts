import { createHmac } from 'node:crypto';
import { expect } from 'chai';

/** The independent reference: node:crypto's HMAC over a canonical string written by hand. */
export function nodeSignature(secret: string, canonical: string): string {
  return createHmac('sha256', secret).update(canonical).digest('base64url');
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(Error);
    return error as Error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}
