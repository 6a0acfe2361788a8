export {
  recordAuditEvent,
  verifyAuditChain,
  listAuditEvents,
  resetAuditHead,
  userActor,
  systemActor,
  anonymousActor,
  GENESIS_HASH,
  type AuditActor,
  type ChainVerification,
} from './service.js';
export { AuditEvent } from './model.js';
