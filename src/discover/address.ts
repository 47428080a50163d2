/** The address rule lives in src/subscribers/address.ts; these names stay here for callers outside that folder until they import from there. */
export { type AddressCheck, checkAddress, displayAddress, legacyKey, needsSmtpUtf8 } from '../subscribers/address';
