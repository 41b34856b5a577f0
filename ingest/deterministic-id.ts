// Event ids derived from what the event says (a name-based, version-5-style UUID over a key), so
// that raising the same fact again, e.g. on a replay, gives the same id: the outbox keeps one row
// and JetStream's duplicate window drops a second publish.
import { createHash } from 'node:crypto';

export function deterministicId(key: string): string {
  const hex = createHash('sha1').update(key).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
