// The expectation language of tests/scenarios/README.md ("Matching"), a line-by-line port of
// core/tests/scenario_runner/matcher.rs: variables, JSON Pointers and the $-operators.

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Replaces every whole string "$name" by the variable's value ("$$x" stands for "$x"). */
export function substitute(v, vars) {
  if (typeof v === 'string') {
    if (v.startsWith('$$')) return v.slice(1);
    if (v.startsWith('$')) {
      const name = v.slice(1);
      if (!Object.hasOwn(vars, name)) {
        throw new ScenarioError(`unknown variable ${v} (saved so far: ${Object.keys(vars).sort().join(', ')})`);
      }
      return structuredClone(vars[name]);
    }
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => substitute(x, vars));
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, vars)]));
  return v;
}

/** A problem of the scenario itself (not of the code under test). */
export class ScenarioError extends Error {}

/** Equality of JSON values (numbers by value, objects with the same keys). */
export function same(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && same(a[k], b[k]));
  }
  if (Array.isArray(a) || Array.isArray(b) || isObj(a) || isObj(b)) return false;
  return a === b;
}

export function includes(actual, expected) {
  if (isObj(actual) && isObj(expected)) {
    return Object.entries(expected).every(([k, ev]) => Object.hasOwn(actual, k) && includes(actual[k], ev));
  }
  if (Array.isArray(actual) && Array.isArray(expected)) {
    return expected.every((ev) => actual.some((av) => includes(av, ev)));
  }
  if (Array.isArray(actual) && !Array.isArray(expected)) return actual.some((av) => includes(av, expected));
  return same(actual, expected);
}

export function like(actual, expected) {
  if (isObj(actual) && isObj(expected)) {
    return Object.entries(expected).every(([k, ev]) => Object.hasOwn(actual, k) && like(actual[k], ev));
  }
  if (Array.isArray(actual) && Array.isArray(expected)) {
    return actual.length === expected.length && actual.every((av, i) => like(av, expected[i]));
  }
  return same(actual, expected);
}

function operator(expected) {
  if (isObj(expected)) {
    const keys = Object.keys(expected);
    if (keys.length === 1 && keys[0].startsWith('$')) return [keys[0], expected[keys[0]]];
  }
  return null;
}

export function short(v, max) {
  const s = JSON.stringify(v) ?? 'undefined';
  const chars = [...s];
  return chars.length > max ? `${chars.slice(0, max).join('')}… (${chars.length} chars)` : s;
}

/** The value at a JSON Pointer (RFC 6901), or `undefined` when nothing is there. */
export function pointer(doc, at) {
  if (at === '') return doc;
  let cur = doc;
  for (const raw of at.slice(1).split('/')) {
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token) || Number(token) >= cur.length) return undefined;
      cur = cur[Number(token)];
    } else if (isObj(cur)) {
      if (!Object.hasOwn(cur, token)) return undefined;
      cur = cur[token];
    } else {
      return undefined;
    }
  }
  return cur;
}

/** Checks one `match` entry; returns a problem or null. */
export function check(doc, at, expected) {
  if (!(at === '' || at.startsWith('/'))) {
    return `\`${at}\` is not a JSON Pointer (RFC 6901: "" or starting with /)`;
  }
  const actual = pointer(doc, at);
  const there = actual !== undefined;
  const where = at === '' ? '(the whole result)' : at;
  const op = operator(expected);
  if (!op) {
    if (there && same(actual, expected)) return null;
    return there
      ? `${where}: expected ${short(expected, 300)}, got ${short(actual, 600)}`
      : `${where}: expected ${short(expected, 300)}, but nothing is there`;
  }
  const [name, arg] = op;
  switch (name) {
    case '$absent':
      if (typeof arg !== 'boolean') return `${where}: $absent takes true or false`;
      if (arg && there) return `${where}: expected nothing there, got ${short(actual, 300)}`;
      if (!arg && !there) return `${where}: expected a value, but nothing is there`;
      return null;
    case '$len': {
      if (!Number.isInteger(arg) || arg < 0) return `${where}: $len takes a non-negative integer`;
      if (!there) return `${where}: expected length ${arg}, but nothing is there`;
      let len;
      if (Array.isArray(actual)) len = actual.length;
      else if (isObj(actual)) len = Object.keys(actual).length;
      else if (typeof actual === 'string') len = [...actual].length;
      else return `${where}: $len of a non-collection ${short(actual, 200)}`;
      return len === arg ? null : `${where}: expected length ${arg}, got ${len}: ${short(actual, 600)}`;
    }
    case '$like':
      if (!there) return `${where}: expected something like ${short(arg, 300)}, but nothing is there`;
      return like(actual, arg) ? null : `${where}: expected something like ${short(arg, 400)}, got ${short(actual, 800)}`;
    case '$includes':
    case '$excludes': {
      if (!there) return `${where}: expected a value (${name} ${short(arg, 200)}), but nothing is there`;
      if (name === '$includes') {
        return includes(actual, arg) ? null : `${where}: expected to include ${short(arg, 300)}, got ${short(actual, 800)}`;
      }
      const given = Array.isArray(arg) ? arg : [arg];
      const found = given.filter((e) => includes(actual, e));
      return found.length === 0 ? null : `${where}: expected not to include ${short(found, 300)}, got ${short(actual, 800)}`;
    }
    case '$all': {
      if (!Array.isArray(arg)) return `${where}: $all takes an array of expectations`;
      const problems = arg.map((c) => check(doc, at, c)).filter((p) => p !== null);
      return problems.length === 0 ? null : problems.join('\n    ');
    }
    default:
      return `${where}: unknown operator ${name} (known: $len, $like, $includes, $excludes, $absent, $all)`;
  }
}
