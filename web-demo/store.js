// Where the page keeps the registry between visits: the state file (the native backup format,
// personal data sealed under the master key) in IndexedDB; the master key is derived from a
// passphrase with PBKDF2 (WebCrypto), never stored.

const DB = 'kamkor-demo';
const STORE = 'state';

function db() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx(mode, fn) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const t = d.transaction(STORE, mode);
    const req = fn(t.objectStore(STORE));
    t.oncomplete = () => { d.close(); resolve(req?.result); };
    t.onerror = () => { d.close(); reject(t.error); };
  });
}

/** Keeps the state file under a name (`current` by default). */
export const saveState = (bytes, name = 'current') => tx('readwrite', (s) => s.put(bytes, name));
/** The kept state file, or undefined. */
export const loadState = async (name = 'current') => {
  const v = await tx('readonly', (s) => s.get(name));
  return v ? new Uint8Array(v) : undefined;
};
/** Forgets the kept state. */
export const clearState = () => tx('readwrite', (s) => s.delete('current'));

/** The 32-byte master key of a passphrase (PBKDF2-SHA-256, 210,000 rounds). */
export async function deriveKey(passphrase) {
  const enc = new TextEncoder();
  const base = await crypto.subtle.importKey('raw', enc.encode(passphrase), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: enc.encode('kamkor-web-demo/v1'), iterations: 210_000 }, base, 256);
  return new Uint8Array(bits);
}
