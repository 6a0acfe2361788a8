// Registers every Mongoose model, so that start-up creates all indexes and tests can clear all data.
import './audit/model.js';
import './auth/model.js';
import './vendors/model.js';
import './products/model.js';
import './governments/model.js';
import './reports/model.js';
import './reports/queue.js';
import './incidents/model.js';
import './verification/model.js';
import './settings/model.js';
import './audit/checkpoint.js';
import './evidence/model.js';
import './stix/model.js';
import './dossiers/model.js';
import './api/model.js';
import './db/claims.js';
import './events/changes.js';
