import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { md5Bytes, md5Hex } from '../../rig/_internal/md5.ts';

const nodeMd5 = (data: Uint8Array | string) => createHash('md5').update(data).digest('hex');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('rig/_internal/md5', () => {
  it('matches the RFC 1321 test suite', () => {
    const suite: Record<string, string> = {
      '': 'd41d8cd98f00b204e9800998ecf8427e',
      a: '0cc175b9c0f1b6a831c399e269772661',
      abc: '900150983cd24fb0d6963f7d28e17f72',
      'message digest': 'f96b697d7cb7938d525a2f31aaf161d0',
      abcdefghijklmnopqrstuvwxyz: 'c3fcd3d76192e4007dfb496cca67e13b',
      ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789: 'd174ab98d277d9f5a5611c2c9f419d9f',
      '12345678901234567890123456789012345678901234567890123456789012345678901234567890': '57edf4a22be3c955ac49da2e2107b67a',
    };
    for (const [input, digest] of Object.entries(suite)) expect(md5Hex(input), input).to.equal(digest);
  });

  it('matches node:crypto on every length across the padding boundaries (0-300 bytes)', () => {
    for (let length = 0; length <= 300; length++) {
      const data = randomBytes(length);
      expect(hex(md5Bytes(data)), `length ${length}`).to.equal(nodeMd5(data));
    }
  });

  it('matches node:crypto on 200 random inputs up to 5 kB', () => {
    for (let i = 0; i < 200; i++) {
      const data = randomBytes(Math.floor(Math.random() * 5000));
      expect(hex(md5Bytes(data))).to.equal(nodeMd5(data));
    }
  });

  it('hashes strings as UTF-8, like node:crypto', () => {
    for (const text of ['é', '☃ snow', '😀 emoji', 'mixed ascii ünïcödé 漢字 🎉'.repeat(7)]) {
      expect(md5Hex(text), text).to.equal(nodeMd5(text));
    }
  });
});
