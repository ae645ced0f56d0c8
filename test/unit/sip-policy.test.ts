import { describe, expect, it } from 'vitest';
import { classifyInvite, peerOf, routeOutbound } from '../../src/core/sip/policy.js';
import { samplePolicy } from '../builders/sip-policy.js';

const policy = samplePolicy();
const from = (address: string, port = 5060) => ({ address, port });
const invite = (source: { address: string; port: number }, requestUri: string, callerUri?: string, diversion?: string) =>
  classifyInvite(policy, { source, requestUri, callerUri, diversion });

describe('inbound INVITEs: which entry a call is', () => {
  it('a citizen dialling 12345 through the carrier, in every form carriers send it', () => {
    for (const uri of ['sip:12345@gw', 'sip:+8612345@gw', 'sip:008612345@gw', 'sip:039612345@gw', 'sip:+8639612345@gw', 'tel:12345']) {
      expect(invite(from('10.1.0.2'), uri, '<sip:13812345678@carrier>'), uri).toMatchObject({
        action: 'inbound',
        entry: { kind: 'citizen' },
        dialled: '12345',
        callerE164: '+8613812345678',
        citizenKey: 'tel:+8613812345678',
      });
    }
  });

  it('12345 with an extension is still the citizen line', () => {
    expect(invite(from('10.1.0.1'), 'sip:123451@gw', 'sip:037166668888@c')).toMatchObject({ entry: { kind: 'citizen' }, dialled: '123451', citizenKey: 'tel:+8637166668888' });
  });

  it('a withheld number is admitted without a citizen key', () => {
    const d = invite(from('10.1.0.1'), 'sip:12345@gw', 'sip:anonymous@anonymous.invalid');
    expect(d).toMatchObject({ action: 'inbound', entry: { kind: 'citizen' } });
    expect(d).not.toHaveProperty('citizenKey');
  });

  it('a transfer from the 110 trunk is an emergency transfer from 110', () => {
    expect(invite(from('10.2.0.10'), 'sip:12345@gw', 'sip:13812345678@p')).toMatchObject({
      action: 'inbound',
      entry: { kind: 'emergency-transfer', fromLine: '110' },
      citizenKey: 'tel:+8613812345678',
    });
  });

  it('the shared emergency link names the line in Diversion', () => {
    expect(invite(from('10.2.0.20'), 'sip:12345@gw', 'sip:13812345678@p', '<sip:119@fire.example>;reason=deflection')).toMatchObject({
      entry: { kind: 'emergency-transfer', fromLine: '119' },
    });
  });

  it('an emergency transfer to a number that is not ours is still taken, never refused', () => {
    expect(invite(from('10.2.0.10'), 'sip:99999@gw')).toMatchObject({ action: 'inbound', entry: { kind: 'emergency-transfer', fromLine: '110' } });
  });

  it('a transfer from the 12348 sub-centre', () => {
    expect(invite(from('10.3.0.1'), 'sip:12345@gw', 'sip:13812345678@p')).toMatchObject({ action: 'inbound', entry: { kind: 'sub-centre', fromLine: '12348' } });
  });

  it('a merged sub-centre number dialled through the carrier (双号并行)', () => {
    expect(invite(from('10.1.0.1'), 'sip:12366@gw', 'sip:13812345678@p')).toMatchObject({ action: 'inbound', entry: { kind: 'sub-centre', fromLine: '12366' }, dialled: '12366' });
  });

  it('refuses unknown senders, unknown numbers and malformed ones with a clear status', () => {
    expect(invite(from('192.0.2.7'), 'sip:12345@gw')).toMatchObject({ action: 'refuse', status: 403 });
    expect(invite(from('10.1.0.1'), 'sip:10086@gw')).toMatchObject({ action: 'refuse', status: 404 });
    expect(invite(from('10.3.0.1'), 'sip:10086@gw')).toMatchObject({ action: 'refuse', status: 404 });
    for (const uri of ['sip:gw', 'sip:12a45@gw', 'sip:*12345@gw', 'sip:12@gw', 'sip:@gw']) {
      expect(invite(from('10.1.0.1'), uri), uri).toMatchObject({ action: 'refuse', status: 484 });
    }
  });

  it('a host:port entry tells FreeSWITCH from a carrier on the same host', () => {
    const p = samplePolicy({ freeswitchAddresses: ['127.0.0.1:5090'], peers: [{ name: 'c', kind: 'carrier', addresses: ['127.0.0.1'] }] });
    expect(peerOf(p, from('127.0.0.1', 5090))).toBe('freeswitch');
    expect(peerOf(p, from('127.0.0.1', 5070))).toMatchObject({ name: 'c' });
  });
});

describe('outbound legs from FreeSWITCH: which trunk', () => {
  it('110/119/120/122 take the emergency trunk with priority and the fixed caller id', () => {
    for (const n of ['110', '119', '120', '122', '+86120']) {
      expect(invite(from('10.9.0.1'), `sip:${n}@sipfront`), n).toEqual({
        action: 'outbound',
        route: 'emergency',
        uri: `sip:${n.replace('+86', '')}@10.2.0.10:5060`,
        callerId: '03961234500',
        priority: true,
        target: n.replace('+86', ''),
      });
    }
  });

  it('sub-centre lines take their own trunk and keep the citizen’s caller id', () => {
    expect(routeOutbound(policy, '12348')).toEqual({ action: 'outbound', route: 'sub-centre', uri: 'sip:12348@10.3.0.1:5060', priority: false, target: '法律服务' });
    expect(routeOutbound(policy, '12366')).toMatchObject({ uri: 'sip:12366@10.3.0.2:5060;transport=tcp' });
    expect(routeOutbound(policy, '12315')).toMatchObject({ uri: 'sip:12315@10.3.0.3' });
  });

  it('a handling unit’s fixed three-way line, in any written form, shows 12345', () => {
    expect(routeOutbound(policy, '03962345678')).toEqual({ action: 'outbound', route: 'fixed-line', uri: 'sip:03962345678@10.1.0.1:5060', callerId: '12345', priority: false, target: 'city-water' });
    expect(routeOutbound(policy, '+863962345678')).toMatchObject({ route: 'fixed-line', target: 'city-water' });
    expect(routeOutbound(policy, '13900000001')).toMatchObject({ route: 'fixed-line', uri: 'sip:13900000001@10.4.0.1:5060', target: 'power' });
  });

  it('any other plausible number takes the carrier and shows 12345 (callbacks)', () => {
    expect(routeOutbound(policy, '13812345678')).toEqual({ action: 'outbound', route: 'carrier', uri: 'sip:13812345678@10.1.0.1:5060', callerId: '12345', priority: false });
    expect(routeOutbound(policy, '+8613812345678')).toMatchObject({ uri: 'sip:13812345678@10.1.0.1:5060' });
    expect(routeOutbound(policy, '037166668888')).toMatchObject({ uri: 'sip:037166668888@10.1.0.1:5060' });
    expect(routeOutbound(policy, '95598')).toMatchObject({ route: 'carrier', uri: 'sip:95598@10.1.0.1:5060' });
  });

  it('refuses loops, international, unknown and malformed numbers', () => {
    expect(routeOutbound(policy, '12345')).toMatchObject({ action: 'refuse', status: 482 });
    expect(routeOutbound(policy, '0014155550100')).toMatchObject({ action: 'refuse', status: 403 });
    expect(routeOutbound(policy, '999')).toMatchObject({ action: 'refuse', status: 404 });
    expect(routeOutbound(policy, '12-34')).toMatchObject({ action: 'refuse', status: 484 });
    expect(invite(from('10.9.0.1'), 'sip:abc@sipfront')).toMatchObject({ action: 'refuse', status: 484 });
  });
});
