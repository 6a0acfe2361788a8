export {
  recordAuditEvent,
  recordAuditEvents,
  verifyAuditChain,
  listAuditEvents,
  resetAuditHead,
  chainHead,
  userActor,
  systemActor,
  anonymousActor,
  GENESIS_HASH,
  type AuditActor,
  type ChainVerification,
} from './service.js';
export { AuditEvent } from './model.js';
