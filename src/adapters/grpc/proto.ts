import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceDefinition, MethodDefinition } from '@grpc/grpc-js';
import protobuf from 'protobufjs';

// google.protobuf.Timestamp travels as an RFC 3339 string in our objects (the proto3 JSON
// mapping), so records, logs and the dev core's JSON lines all read alike. Decoding goes through
// this wrapper; encoding through toWire() below, because protobufjs's generated fromObject rejects
// a string for a message field before any wrapper sees it.
protobuf.wrappers['.google.protobuf.Timestamp'] = {
  fromObject(this: protobuf.Type, object: { [k: string]: unknown }) {
    return this.fromObject(object);
  },
  toObject(this: protobuf.Type, message: protobuf.Message, options?: protobuf.IConversionOptions) {
    const m = message as unknown as { seconds?: number | { toString(): string }; nanos?: number };
    if (options?.json) {
      const ms = Number(String(m.seconds ?? 0)) * 1000 + Math.round((m.nanos ?? 0) / 1e6);
      return new Date(ms).toISOString() as unknown as { [k: string]: unknown };
    }
    return this.toObject(message, options);
  },
};

const TIMESTAMP = '.google.protobuf.Timestamp';

interface WirePlanStep {
  name: string;
  repeated: boolean;
  /** undefined: the field is a Timestamp; else the message type to descend into. */
  into?: protobuf.Type;
}

// Per message type, only the fields whose subtree holds a Timestamp: encoding walks nothing else
// (walking every field cost more than the encoding itself).
const wirePlans = new Map<protobuf.Type, WirePlanStep[]>();

function wirePlan(type: protobuf.Type, visiting = new Set<protobuf.Type>()): WirePlanStep[] {
  const known = wirePlans.get(type);
  if (known) return known;
  if (visiting.has(type)) return [];
  visiting.add(type);
  const plan: WirePlanStep[] = [];
  for (const field of type.fieldsArray) {
    const rt = field.resolve().resolvedType;
    if (!(rt instanceof protobuf.Type)) continue;
    if (rt.fullName === TIMESTAMP) plan.push({ name: field.name, repeated: field.repeated });
    else if (wirePlan(rt, visiting).length > 0) plan.push({ name: field.name, repeated: field.repeated, into: rt });
  }
  visiting.delete(type);
  wirePlans.set(type, plan);
  return plan;
}

function timestampOf(value: unknown, where: string): unknown {
  if (typeof value !== 'string') return value;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new TypeError(`${where}: invalid timestamp ${value}`);
  return { seconds: Math.floor(ms / 1000), nanos: (((ms % 1000) + 1000) % 1000) * 1e6 };
}

/** Replaces RFC 3339 strings in Timestamp fields by {seconds, nanos}, copying only what changes. */
export function toWire(type: protobuf.Type, object: unknown): unknown {
  if (object === null || typeof object !== 'object') return object;
  const plan = wirePlan(type);
  if (plan.length === 0) return object;
  const out: Record<string, unknown> = { ...(object as Record<string, unknown>) };
  for (const step of plan) {
    const value = out[step.name];
    if (value === undefined || value === null) continue;
    const convert = (v: unknown) => (step.into ? toWire(step.into, v) : timestampOf(v, `${type.name}.${step.name}`));
    out[step.name] = step.repeated && Array.isArray(value) ? value.map(convert) : convert(value);
  }
  return out;
}

/** Decoding into plain objects: enums as names, times as strings, defaults left out (proto3 JSON). */
export const JSON_OBJECT: protobuf.IConversionOptions = { enums: String, longs: String, json: true, defaults: false };

function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('project root (package.json) not found');
    dir = up;
  }
  return dir;
}

export const PROTO_DIR = join(projectRoot(), 'proto');

const PROTO_FILES = [
  'hotline/intake/v1/intake.proto',
  'hotline/calls/v1/calls.proto',
  'hotline/query/v1/query.proto',
  'hotline/control/v1/control.proto',
  'hotline/survey/v1/survey.proto',
];

let root: protobuf.Root | undefined;

export function protoRoot(): protobuf.Root {
  if (!root) {
    const r = new protobuf.Root();
    const resolve = r.resolvePath.bind(r);
    r.resolvePath = (origin, target) => {
      const local = join(PROTO_DIR, target);
      return existsSync(local) ? local : resolve(origin, target);
    };
    r.loadSync(PROTO_FILES, { keepCase: false });
    r.resolveAll();
    root = r;
  }
  return root;
}

export function messageType(fullName: string): protobuf.Type {
  return protoRoot().lookupType(fullName);
}

/** A grpc-js service definition built from the .proto by reflection: no generated code to drift. */
export function serviceDefinition(fullName: string): ServiceDefinition {
  const service = protoRoot().lookupService(fullName);
  const def: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methodsArray) {
    method.resolve();
    const req = method.resolvedRequestType!;
    const res = method.resolvedResponseType!;
    def[method.name] = {
      path: `/${fullName}/${method.name}`,
      requestStream: !!method.requestStream,
      responseStream: !!method.responseStream,
      requestSerialize: (v: unknown) => Buffer.from(req.encode(req.fromObject(toWire(req, v) as object)).finish()),
      requestDeserialize: (b: Buffer) => req.toObject(req.decode(b), JSON_OBJECT),
      responseSerialize: (v: unknown) => Buffer.from(res.encode(res.fromObject(toWire(res, v) as object)).finish()),
      responseDeserialize: (b: Buffer) => res.toObject(res.decode(b), JSON_OBJECT),
      originalName: method.name.charAt(0).toLowerCase() + method.name.slice(1),
    };
  }
  return def as ServiceDefinition;
}

export const INTAKE_SINK = 'hotline.intake.v1.IntakeSink';
export const CALL_RECORDS = 'hotline.calls.v1.CallRecords';
export const CORE_QUERY = 'hotline.query.v1.CoreQuery';
export const GATEWAY_CONTROL = 'hotline.control.v1.GatewayControl';
export const SURVEY_RESULTS = 'hotline.survey.v1.SurveyResults';
