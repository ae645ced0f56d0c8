import { describe, expect, it } from 'vitest';
import { memoryLogger } from '../helpers/logger.js';

const MOBILE = '13812345678';
const E164 = '+8613987654321';
const LANDLINE = '0371-65432198';
const ID_CARD = '41010519900307123X';
const OPENID = 'oLVPpjqs9BhvzwPj5A-vTYAX3GLc';
const NAME = '王小明';

function everyPath() {
  const { log, lines } = memoryLogger('debug');
  log.info({ phone: MOBILE, name: NAME, idCard: ID_CARD, openid: OPENID }, 'structured fields');
  log.info({ citizen: { phone: E164, name: NAME, wechatOpenid: OPENID }, list: [{ callerNumber: MOBILE }] }, 'nested fields');
  log.info(`message string: caller ${MOBILE} id ${ID_CARD} openid ${OPENID} landline ${LANDLINE} 姓名：${NAME}`);
  log.info('printf args: %s and %s', E164, ID_CARD);
  log.child({ caller: MOBILE, callerName: NAME }).warn('child bindings');
  log.error({ err: new Error(`core refused ${MOBILE} (${ID_CARD})`) }, 'error objects');
  log.info({ text: `我叫${NAME}，电话${MOBILE}` }, 'free text in a field');
  return lines();
}

describe('the logger masks personal data by itself', () => {
  const out = everyPath();
  const all = out.join('\n');

  it('writes pino JSON lines', () => {
    expect(out.length).toBe(7);
    for (const line of out) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('never lets a raw phone number, ID-card number, openid or labelled name through', () => {
    for (const raw of [MOBILE, '13987654321', '65432198', ID_CARD, OPENID, NAME]) expect(all).not.toContain(raw);
  });

  it('masks phone numbers like 138****5678 wherever they stand', () => {
    const [fields, nested, message, printf, child, error] = out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(fields!.phone).toBe('138****5678');
    expect((nested!.citizen as { phone: string }).phone).toBe('+86139****4321');
    expect(message!.msg).toContain('caller 138****5678');
    expect(message!.msg).toContain('landline 0371-****2198');
    expect(printf!.msg).toContain('+86139****4321');
    expect(child!.caller).toBe('138****5678');
    expect(JSON.stringify(error!.err)).toContain('138****5678');
  });

  it('masks names, ID-card numbers and openids keeping only what identifies nobody', () => {
    const fields = JSON.parse(out[0]!) as Record<string, string>;
    expect(fields.name).toBe('王**');
    expect(fields.idCard).toBe('410***********123X');
    expect(fields.openid).toBe('oLVP****3GLc');
    expect(JSON.parse(out[4]!).callerName).toBe('王**');
    expect(JSON.parse(out[2]!).msg).toContain('姓名：王**');
    expect(JSON.parse(out[6]!).text).toContain('我叫王**');
  });

  it('leaves ULIDs, uuids and timestamps alone', () => {
    const { log, lines } = memoryLogger();
    log.info({ intakeId: '01M80QK4JMF13GNP99VY0C4XT7', callId: 'a1b2c3d4-0000-4000-8000-123456789012', ms: 1795321074261 }, 'ids');
    const line = JSON.parse(lines()[0]!);
    expect(line.intakeId).toBe('01M80QK4JMF13GNP99VY0C4XT7');
    expect(line.callId).toBe('a1b2c3d4-0000-4000-8000-123456789012');
    expect(line.ms).toBe(1795321074261);
  });
});
