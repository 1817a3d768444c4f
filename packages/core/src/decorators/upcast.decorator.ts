import 'reflect-metadata';
import type { Type } from './metadata';

/** Lifts a payload of schema version `from` to version `to`. */
export type Upcaster = (payload: Record<string, unknown>) => Record<string, unknown>;

interface SchemaVersioning {
  version?: number;
  upcasters: Map<number, { to: number; upcast: Upcaster }>;
}

const VERSIONING = Symbol('switchyard:schema-versioning');

function versioning(target: object): SchemaVersioning {
  let record = Reflect.getOwnMetadata(VERSIONING, target) as SchemaVersioning | undefined;
  if (!record) {
    record = { upcasters: new Map() };
    Reflect.defineMetadata(VERSIONING, record, target);
  }
  return record;
}

/**
 * Declares the current version of a schema class. Published instances carry it in the
 * `schema-version` header. Without it, the version is the highest `to` of its upcasters, or 1.
 */
export function SchemaVersion(version: number): ClassDecorator {
  return (target) => {
    versioning(target).version = version;
  };
}

/**
 * Declares how a payload of an older schema version becomes the next one, so old producers keep
 * working: chains run before validation (V1 → V2 → V3).
 *
 * @example
 * ```ts
 * @Upcast(1, 2, (v1) => ({ ...v1, currency: 'USD' }))
 * class OrderPlaced { … }
 * ```
 */
export function Upcast(from: number, to: number, upcast: Upcaster): ClassDecorator {
  return (target) => {
    versioning(target).upcasters.set(from, { to, upcast });
  };
}

/** The current version of a schema class (1 when undeclared). */
export function schemaVersionOf(schema: Type): number {
  const record = Reflect.getOwnMetadata(VERSIONING, schema) as SchemaVersioning | undefined;
  if (!record) return 1;
  if (record.version !== undefined) return record.version;
  let highest = 1;
  for (const { to } of record.upcasters.values()) highest = Math.max(highest, to);
  return highest;
}

/** Whether a schema class declares a version or upcasters (only then are versions checked). */
export function isVersioned(schema: Type): boolean {
  return Reflect.getOwnMetadata(VERSIONING, schema) !== undefined;
}

/** The upcasters of a schema class, keyed by the version they lift from. */
export function upcastersOf(schema: Type): ReadonlyMap<number, { to: number; upcast: Upcaster }> {
  const record = Reflect.getOwnMetadata(VERSIONING, schema) as SchemaVersioning | undefined;
  return record?.upcasters ?? new Map();
}
