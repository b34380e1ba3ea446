// Argument errors as node:fs throws them: the class, `code` and message wording callers match on.

/** ERR_OUT_OF_RANGE: `name` is outside `range` (the wording after "It must be"). */
export function rangeError(name: string, range: string, value: unknown): RangeError {
  return Object.assign(new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${String(value)}`), { code: 'ERR_OUT_OF_RANGE' })
}

/** ERR_INVALID_ARG_TYPE: `name` is not `expected`. */
export function argType(name: string, expected: string, value: unknown): TypeError {
  return Object.assign(new TypeError(`The "${name}" argument must be ${expected}. Received ${value === null ? 'null' : typeof value}`), { code: 'ERR_INVALID_ARG_TYPE' })
}
