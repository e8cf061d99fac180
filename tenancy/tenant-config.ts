// A tenant's configuration: the settings controllers read, each with its declared bounds
// (a value past them would opt the tenant out of the rule, as idleTimeoutMinutes: 1e300
// once opted out of the idle reaper), and free-form labels of bounded size.
import { Type, type Static } from 'typebox';

/** The bounds of each setting controllers read, shared by the API schema and its readers. */
export const CONFIG_BOUNDS = {
  idleTimeoutMinutes: { minimum: 1, maximum: 7 * 24 * 60 },
  maxRunHours: { minimum: 1, maximum: 7 * 24 },
  pausedRetentionDays: { minimum: 1, maximum: 365 },
} as const;

const Label = Type.Union([
  Type.String({ maxLength: 1000 }),
  Type.Number({ minimum: -1e12, maximum: 1e12 }),
  Type.Boolean(),
  Type.Null(),
]);

export const TenantConfig = Type.Object({
  idleTimeoutMinutes: Type.Optional(Type.Number({ ...CONFIG_BOUNDS.idleTimeoutMinutes, description: 'idle minutes before a running workspace is paused' })),
  maxRunHours: Type.Optional(Type.Number({ ...CONFIG_BOUNDS.maxRunHours, description: 'hours a workspace may run before it is paused' })),
  pausedRetentionDays: Type.Optional(Type.Number({ ...CONFIG_BOUNDS.pausedRetentionDays, description: 'days a paused workspace is kept before it is archived' })),
}, {
  additionalProperties: Label,
  maxProperties: 50,
  propertyNames: { maxLength: 100 },
  description: 'settings (idleTimeoutMinutes, maxRunHours, pausedRetentionDays) and labels: strings of at most 1,000 characters, numbers, booleans',
});
export type TenantConfigT = Static<typeof TenantConfig>;

/** A setting as stored, or undefined when it is missing or outside its bounds (older rows). */
export function boundedSetting(config: Record<string, unknown> | null | undefined, key: keyof typeof CONFIG_BOUNDS): number | undefined {
  const v = config?.[key];
  const b = CONFIG_BOUNDS[key];
  return typeof v === 'number' && Number.isFinite(v) && v >= b.minimum && v <= b.maximum ? v : undefined;
}
