import type { SipPolicy } from '../../src/core/sip/policy.js';

/** A centre in Zhumadian (area code 0396) with one carrier, a 110 link, a 12348 sub-centre. */
export function samplePolicy(over: Partial<SipPolicy> = {}): SipPolicy {
  return {
    serviceNumbers: ['12345'],
    areaCode: '0396',
    peers: [
      { name: 'carrier', kind: 'carrier', addresses: ['10.1.0.1', '10.1.0.2'] },
      { name: 'police-110', kind: 'emergency', addresses: ['10.2.0.10'], line: '110', contextHeaders: { incident: 'X-Incident-Id', location: 'X-Caller-Location' } },
      { name: 'emergency-link', kind: 'emergency', addresses: ['10.2.0.20'] },
      { name: 'legal-12348', kind: 'sub-centre', addresses: ['10.3.0.1'], line: '12348' },
    ],
    freeswitchAddresses: ['10.9.0.1'],
    emergency: { lines: ['110', '119', '120', '122'], trunk: '10.2.0.10:5060', callerId: '03961234500' },
    subCentres: [
      { line: '12348', name: '法律服务', trunk: '10.3.0.1:5060' },
      { line: '12366', name: '纳税服务', trunk: '10.3.0.2:5060;transport=tcp' },
      { line: '12315', name: '市场监管', trunk: '10.3.0.3' },
    ],
    fixedLines: [{ unit: 'city-water', number: '0396-2345678' }, { unit: 'power', number: '13900000001', trunk: '10.4.0.1:5060' }],
    carrier: { trunk: '10.1.0.1:5060', callerId: '12345' },
    ...over,
  };
}
