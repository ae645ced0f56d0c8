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

/** Replaces RFC 3339 strings in Timestamp fields by {seconds, nanos}, recursively. */
export function toWire(type: protobuf.Type, object: unknown): unknown {
  if (object === null || typeof object !== 'object') return object;
  const out: Record<string, unknown> = { ...(object as Record<string, unknown>) };
  for (const field of type.fieldsArray) {
    const value = out[field.name];
    if (value === undefined || value === null) continue;
    const rt = field.resolve().resolvedType;
    if (!(rt instanceof protobuf.Type)) continue;
    const convert = (v: unknown): unknown => {
      if (rt.fullName === TIMESTAMP && typeof v === 'string') {
        const ms = Date.parse(v);
        if (Number.isNaN(ms)) throw new TypeError(`${type.name}.${field.name}: invalid timestamp ${v}`);
        return { seconds: Math.floor(ms / 1000), nanos: (((ms % 1000) + 1000) % 1000) * 1e6 };
      }
      return toWire(rt, v);
    };
    out[field.name] = field.repeated && Array.isArray(value) ? value.map(convert) : convert(value);
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

const PROTO_FILES = ['hotline/intake/v1/intake.proto', 'hotline/calls/v1/calls.proto', 'hotline/query/v1/query.proto'];

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
