// Request fields every intake route shares (web form, partner API): one schema, one parser, so a
// phone number, a place or a time means the same on every channel.
import { invalidField } from '../../core/errors.js';
import { DATUMS, type Incident } from '../../core/intake/intake.js';
import { toE164 } from '../../core/intake/phone.js';

export interface LocationField {
  text?: string;
  latitude?: number;
  longitude?: number;
  datum?: 'WGS84' | 'GCJ02' | 'BD09';
  areaCode?: string;
}

/** A place as coordinates (with their datum: GPS sends WGS-84, WeChat and Chinese maps GCJ-02) and/or text. */
export const locationObjectSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    text: { type: 'string', maxLength: 500 },
    latitude: { type: 'number', minimum: -90, maximum: 90 },
    longitude: { type: 'number', minimum: -180, maximum: 180 },
    datum: { type: 'string', enum: ['WGS84', 'GCJ02', 'BD09'] },
    areaCode: { type: 'string', pattern: '^\\d{6,12}$' },
  },
} as const;

export const incidentTimeSchema = { type: 'string', minLength: 1, maxLength: 100 } as const;
export const phoneSchema = { type: 'string', minLength: 1, maxLength: 32 } as const;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** E.164, or a 400 naming the field. */
export function phoneField(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  const phone = toE164(value);
  if (!phone) throw invalidField(field, `字段 ${field} 不是有效的电话号码`);
  return phone;
}

/** The time and place of the matter (art. 13): an RFC 3339 time, or the citizen's words for it. */
export function incidentField(incidentTime: string | undefined, location: string | LocationField | undefined): Incident | undefined {
  const incident: Incident = {};
  if (incidentTime) {
    const t = incidentTime.trim();
    if (RFC3339.test(t) && !Number.isNaN(Date.parse(t))) incident.time = new Date(t).toISOString();
    else incident.timeText = t;
  }
  if (typeof location === 'string') {
    if (location.trim()) incident.location = { text: location.trim() };
  } else if (location) {
    const hasLat = location.latitude !== undefined;
    if (hasLat !== (location.longitude !== undefined)) {
      throw invalidField(hasLat ? 'location.longitude' : 'location.latitude', '经纬度需要同时提供');
    }
    if (hasLat && !location.datum) throw invalidField('location.datum', '提供经纬度时须注明坐标系 datum（WGS84、GCJ02 或 BD09）');
    incident.location = {
      ...(location.text?.trim() ? { text: location.text.trim() } : {}),
      ...(hasLat
        ? { coordinates: { latitude: location.latitude!, longitude: location.longitude!, datum: DATUMS.find((d) => d === `DATUM_${location.datum}`)! } }
        : {}),
      ...(location.areaCode ? { areaCode: location.areaCode } : {}),
    };
  }
  return Object.keys(incident).length > 0 ? incident : undefined;
}
