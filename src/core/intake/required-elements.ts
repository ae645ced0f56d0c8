import type { Citizen, Content, Incident, RequiredElement } from './intake.js';

/**
 * Art. 13 (seeds/002): an intake records the citizen's contact, the content, and the time and
 * place of the matter. What is missing is listed on the record so agents and the core ask for it.
 */
export function missingElements(intake: {
  citizen: Pick<Citizen, 'phone' | 'wechatOpenid' | 'partnerUserId'>;
  content: Content;
  incident?: Incident;
}): RequiredElement[] {
  const missing: RequiredElement[] = [];
  const c = intake.citizen;
  if (!c.phone && !c.wechatOpenid && !c.partnerUserId) missing.push('REQUIRED_ELEMENT_CONTACT');
  if (!intake.content.text.trim() && !intake.content.transcript?.text.trim() && !intake.content.attachments?.length) {
    missing.push('REQUIRED_ELEMENT_CONTENT');
  }
  if (!intake.incident?.time && !intake.incident?.timeText?.trim()) missing.push('REQUIRED_ELEMENT_TIME');
  const loc = intake.incident?.location;
  if (!loc?.text?.trim() && !loc?.coordinates && !loc?.areaCode) missing.push('REQUIRED_ELEMENT_PLACE');
  return missing;
}
