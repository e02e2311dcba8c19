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

/**
 * A value as JSON for an error message, cut to at most `max` characters. Never throws: a value JSON
 * has no form for (a bigint, a cycle, a null-prototype object's String) is shown by its type.
 */
export function preview (value: unknown, max: number): string {
  let text: string
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    text = describeType(value)
  }
  return text.length > max ? `${text.slice(0, max - 3)}...` : text
}
