import { expect } from 'chai';
import { classifyAddress, isPublicAddress, type AddressClass } from '../../server/input/address.ts';

describe('input/address', () => {
  const table: Record<string, AddressClass> = {
    // IPv4
    '8.8.8.8': 'public',
    '93.184.216.34': 'public',
    '1.1.1.1': 'public',
    '172.15.255.255': 'public',
    '172.32.0.0': 'public',
    '100.63.255.255': 'public',
    '100.128.0.0': 'public',
    '223.255.255.255': 'public',
    '0.0.0.0': 'unspecified',
    '0.1.2.3': 'unspecified',
    '127.0.0.1': 'loopback',
    '127.255.255.254': 'loopback',
    '10.0.0.1': 'private',
    '10.255.255.255': 'private',
    '172.16.0.1': 'private',
    '172.31.255.255': 'private',
    '192.168.1.1': 'private',
    '169.254.169.254': 'link-local',
    '169.254.0.1': 'link-local',
    '100.64.0.1': 'shared',
    '100.127.255.255': 'shared',
    '224.0.0.1': 'multicast',
    '239.255.255.250': 'multicast',
    '240.0.0.1': 'reserved',
    '255.255.255.255': 'reserved',
    '192.0.2.1': 'reserved',
    '198.18.0.1': 'reserved',
    '192.0.0.8': 'reserved',
    // IPv6
    '2606:4700:4700::1111': 'public',
    '2a00:1450:4007:80e::200e': 'public',
    '::': 'unspecified',
    '::1': 'loopback',
    '0:0:0:0:0:0:0:1': 'loopback',
    '[::1]': 'loopback',
    'fc00::1': 'private',
    'fd12:3456:789a::1': 'private',
    'fec0::1': 'private',
    'fe80::1': 'link-local',
    'fe80::1%eth0': 'link-local',
    'febf::1': 'link-local',
    'ff02::1': 'multicast',
    '2001:db8::1': 'reserved',
    '2001::1': 'reserved', // Teredo
    '100::1': 'reserved',
    '3fff::1': 'public',
    '4000::1': 'reserved',
    // IPv6 forms embedding an IPv4 address
    '::ffff:127.0.0.1': 'loopback',
    '::ffff:7f00:1': 'loopback',
    '0:0:0:0:0:ffff:7f00:0001': 'loopback',
    '[::ffff:169.254.169.254]': 'link-local',
    '::ffff:a9fe:a9fe': 'link-local',
    '::ffff:10.1.2.3': 'private',
    '::ffff:8.8.8.8': 'public',
    '::127.0.0.1': 'loopback',
    '::ffff:0:127.0.0.1': 'loopback',
    '64:ff9b::127.0.0.1': 'loopback',
    '64:ff9b::a9fe:a9fe': 'link-local',
    '64:ff9b::808:808': 'public',
    '64:ff9b:1::1': 'private',
    '2002:7f00:1::': 'loopback', // 6to4 of 127.0.0.1
    '2002:c0a8:101::1': 'private', // 6to4 of 192.168.1.1
    '2002:808:808::1': 'public',
    // not literals: never public
    localhost: 'invalid',
    '2130706433': 'invalid',
    '0x7f.1': 'invalid',
    '127.1': 'invalid',
    '': 'invalid',
    '1.2.3.4.5': 'invalid',
  };

  for (const [address, expected] of Object.entries(table)) {
    it(`classifies ${JSON.stringify(address)} as ${expected}`, () => {
      expect(classifyAddress(address)).to.equal(expected);
      expect(isPublicAddress(address)).to.equal(expected === 'public');
    });
  }
});
