/**
 * Small helpers for checking untrusted JSON values.
 */

/** True for a plain JSON object (not null, not an array). */
export function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A short human name for the JSON type of a value: "number", "array", "null", ... */
export function describeType (value: unknown): string {
  if (value === null) {
    return 'null'
  }
  if (Array.isArray(value)) {
    return 'array'
  }
  return typeof value
}
