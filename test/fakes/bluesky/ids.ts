/** Well-formed AT Protocol identifiers for the fake: the client validates every answer against the lexicons. */
import { createHash } from 'node:crypto';

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

/** A CIDv1 (dag-cbor, sha2-256) of `content`, in base32 as the network writes it ("bafyrei…"). */
export function cidOf(content: string): string {
  const digest = createHash('sha256').update(content).digest();
  return 'b' + base32(Uint8Array.from([0x01, 0x71, 0x12, 0x20, ...digest]));
}

/** A did:plc from a seed: 24 base32 characters. */
export function didOf(seed: string): string {
  return `did:plc:${base32(createHash('sha256').update(seed).digest()).slice(0, 24)}`;
}

/** Record keys are TIDs: 13 base32-sortable characters, increasing with time. */
const S32 = '234567abcdefghijklmnopqrstuvwxyz';
let lastTid = 0n;
export function nextTid(): string {
  let t = BigInt(Date.now()) * 1000n;
  if (t <= lastTid) t = lastTid + 1n;
  lastTid = t;
  let v = (t << 10n) | 1n;
  let out = '';
  for (let i = 0; i < 13; i++) {
    out = S32[Number(v & 31n)] + out;
    v >>= 5n;
  }
  return out;
}
