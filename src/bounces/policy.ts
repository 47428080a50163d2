import type { BouncedRecipient } from './report';

/**
 * What a bounced recipient means for the address (README, "Bounces and complaints"):
 *   hard    5.x.x with Action: failed: the mailbox does not exist or never will; suppressed at once
 *   soft    4.x.x, or a full mailbox (x.2.2): suppressed only after `softBounces.count` within
 *           `softBounces.days`
 *   sender  the receiving server refused the *sender* (5.7.x, a blocklisted IP, a policy
 *           rejection): the address is fine and stays; the run reports a sending problem
 *   ignored a delay warning or a success notice: nothing to act on
 */
export type BounceKind = 'hard' | 'soft' | 'sender';

const SENDER_BLOCKED = /block ?list|black ?list|spamhaus|barracuda|spamcop|\bRBL\b|\bDNSBL\b|reputation|policy|blocked using|listed (at|on|by)|client host .* (rejected|blocked)|\bSPF\b|\bDKIM\b|\bDMARC\b|not authori[sz]ed to send|rejected (as|because of) spam|message (was )?(blocked|rejected) (as|because|due)/i;
const MAILBOX_FULL = /mailbox (is )?full|over ?quota|quota exceeded|exceeded (the )?(storage|quota)|insufficient (system )?storage/i;

export function bounceKind(r: Pick<BouncedRecipient, 'action' | 'status' | 'diagnostic'>): BounceKind | 'ignored' {
  if (r.action !== 'failed') return 'ignored';
  const [klass, subject] = r.status.split('.');
  if (subject === '7' || (klass === '5' && SENDER_BLOCKED.test(r.diagnostic))) return 'sender';
  if (klass === '4' || /^\d\.2\.2$/.test(r.status) || MAILBOX_FULL.test(r.diagnostic)) return 'soft';
  if (klass === '5') return 'hard';
  return 'ignored';
}

/** Complaint feedback types that are a reader's "this is spam" (RFC 5965); auth-failure and not-spam are not. */
export function isComplaintType(feedbackType: string): boolean {
  return feedbackType === 'abuse' || feedbackType === 'fraud';
}
