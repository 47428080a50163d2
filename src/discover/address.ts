/**
 * The address rule lives in src/subscribers/address.ts. These names stay here for the callers
 * outside that folder (commands, serve, deliver) until they import from there.
 */
export { checkAddress, displayAddress, legacyKey, needsSmtpUtf8 } from '../subscribers/address';
