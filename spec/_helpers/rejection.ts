import { expect } from 'chai';
import { ImgflowError } from '../../runtime/errors.ts';

/** The ImgflowError a promise rejects with; fails the test if it resolves or rejects otherwise. */
export async function rejection(p: Promise<unknown>): Promise<ImgflowError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(ImgflowError);
    return err as ImgflowError;
  }
  throw new Error('expected a rejection');
}
